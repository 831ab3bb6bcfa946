export interface CounterValue {
  value: number;
  /** Milliseconds until the entry expires. */
  ttlMs: number;
}

/**
 * Short-lived shared state (rate-limit windows, lockout counters, pre-auth
 * token budgets, single-use WebAuthn challenges). Every operation is atomic on its key, which is what makes
 * counts exact under concurrency. An abstract class rather than an interface
 * so it can serve as the injection token; the in-process implementation is
 * the default, a shared one (Redis) replaces it for several instances.
 */
export abstract class ShortLivedStore {
  /** Adds 1; a missing or expired entry starts at 1 and lives ttlMs. */
  abstract increment(key: string, ttlMs: number): Promise<CounterValue>;
  /** Subtracts 1 from a live entry, never below 0; no-op when absent. */
  abstract decrement(key: string): Promise<void>;
  abstract get(key: string): Promise<CounterValue | null>;
  /** Sets a live entry's remaining lifetime. */
  abstract expire(key: string, ttlMs: number): Promise<void>;
  /** Creates the entry with value 1 unless a live one exists; true when created. */
  abstract setIfAbsent(key: string, ttlMs: number): Promise<boolean>;
  abstract delete(key: string): Promise<void>;
  /** Stores a text value (a ceremony's context) under key for ttlMs, replacing any live one. */
  abstract put(key: string, value: string, ttlMs: number): Promise<void>;
  /** Reads and removes a value in one atomic step: of two concurrent takes, one gets the value, the other null. */
  abstract take(key: string): Promise<string | null>;
  /** Throws DependencyUnavailableException when the store cannot be reached. */
  abstract ping(): Promise<void>;
}
