import * as ipaddr from 'ipaddr.js';
import type { RequestOrigin } from './request-origin';

/** The refusals, recorded aggregated; every other security event is recorded one by one. */
export const REFUSAL_EVENTS = ['net.ip.refused', 'net.rate_limit.refused'] as const;
export type RefusalEventName = (typeof REFUSAL_EVENTS)[number];

export interface Refusal {
  event: RefusalEventName;
  origin: RequestOrigin | null;
  /** The rate-limit bucket, for net.rate_limit.refused. */
  bucket?: string;
}

/** Records one event standing for `count` refusals; `manyAddresses` when the key table was full. */
export type EmitRefusal = (refusal: Refusal, count: number, manyAddresses: boolean) => void;

/**
 * At most one event per client address (IPv6: per /64), kind (event and
 * bucket) and route per window, carrying the count of refusals it stands
 * for: a client refused at flood rate costs the audit trail one line per
 * window, and the counts still add up to every refusal.
 *
 * An abstract class (the injection token) so another implementation can
 * replace the in-process one; see MemoryRefusalAggregation for why that one
 * is the one used, with or without Redis.
 */
export abstract class RefusalAggregation {
  abstract refused(refusal: Refusal): void;
  /** Emits every pending count now (shutdown). */
  abstract flush(): void;
  abstract stop(): void;
}

export const REFUSAL_WINDOW_MS = 10_000;
const SWEEP_INTERVAL_MS = 1000;
/** Distinct keys kept at once; past it, refusals are counted per kind and route only. */
const MAX_KEYS = 100_000;

interface Entry {
  lastEmitAt: number;
  pending: number;
  latest: Refusal;
  many: boolean;
}

/**
 * The aggregation of this process, also when REDIS_URL shares the other
 * state between instances. Deliberately per instance: what it protects is
 * per instance (this process's event loop, its stdout and the audit file it
 * writes; docs/operations.md: one AUDIT_LOG_FILE per instance), so N instances write at
 * most N events per key and window, each with its exact count, and the
 * counts over all files still add up. A shared (Redis) aggregation would put
 * a network round trip on every refused request, which today touches no
 * shared state at all (the allowlist refuses before any counter), and would
 * have to choose between refusing slower or recording nothing while Redis is
 * down.
 *
 * The first refusal of a key is recorded at once (count 1); later ones in
 * the window are counted and recorded as one event when it ends, which
 * starts the next window. A key with nothing pending is forgotten after a
 * window, so memory follows the keys refused in the last ~10 s, capped at
 * MAX_KEYS.
 */
export class MemoryRefusalAggregation extends RefusalAggregation {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly emit: EmitRefusal,
    private readonly now: () => number = Date.now,
    private readonly windowMs = REFUSAL_WINDOW_MS,
  ) {
    super();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  refused(refusal: Refusal): void {
    const now = this.now();
    let key = keyOf(refusal, addressGroup(refusal.origin?.clientAddress ?? null));
    let many = false;
    if (!this.entries.has(key) && this.entries.size >= MAX_KEYS) {
      key = keyOf(refusal, '*');
      many = true;
    }
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { lastEmitAt: now, pending: 0, latest: refusal, many });
      this.emit(refusal, 1, many);
      return;
    }
    entry.latest = refusal;
    if (entry.pending === 0 && now - entry.lastEmitAt >= this.windowMs) {
      entry.lastEmitAt = now;
      this.emit(refusal, 1, entry.many);
      return;
    }
    entry.pending += 1;
  }

  flush(): void {
    for (const entry of this.entries.values()) {
      if (entry.pending > 0) this.emit(entry.latest, entry.pending, entry.many);
    }
    this.entries.clear();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Ends the windows that are over: their pending count becomes one event. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (now - entry.lastEmitAt < this.windowMs) continue;
      if (entry.pending === 0) {
        this.entries.delete(key);
        continue;
      }
      this.emit(entry.latest, entry.pending, entry.many);
      entry.pending = 0;
      entry.lastEmitAt = now;
    }
  }
}

function keyOf(refusal: Refusal, address: string): string {
  return JSON.stringify([refusal.event, refusal.bucket ?? null, address, refusal.origin?.route ?? null]);
}

/** IPv6 per /64 (one subscriber usually holds a whole /64), as the rate limiter counts. */
export function addressGroup(address: string | null): string {
  if (address === null) return 'unknown';
  if (!address.includes(':')) return address;
  try {
    const parsed = ipaddr.IPv6.parse(address);
    if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
    return `${ipaddr.IPv6.networkAddressFromCIDR(`${address}/64`).toString()}/64`;
  } catch {
    return address;
  }
}
