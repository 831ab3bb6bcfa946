import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { CounterValue, ShortLivedStore } from './short-lived.store';

interface Entry {
  value: number;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 10_000;

/**
 * In-process store: one fixed-size entry per key, O(1) per operation, so a
 * limit of a million costs what a limit of ten does. Expired entries are
 * swept periodically, which keeps memory bounded by the number of keys seen
 * in the last window, whatever their traffic. Node runs each operation to
 * completion before the next, so no operation can interleave with another.
 */
@Injectable()
export class MemoryShortLivedStore extends ShortLivedStore implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly values = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  get size(): number {
    return this.entries.size + this.values.size;
  }

  async increment(key: string, ttlMs: number): Promise<CounterValue> {
    const now = this.now();
    let entry = this.live(key, now);
    if (entry) entry.value += 1;
    else {
      entry = { value: 1, expiresAt: now + ttlMs };
      this.entries.set(key, entry);
    }
    return { value: entry.value, ttlMs: entry.expiresAt - now };
  }

  async decrement(key: string): Promise<void> {
    const entry = this.live(key, this.now());
    if (entry && entry.value > 0) entry.value -= 1;
  }

  async get(key: string): Promise<CounterValue | null> {
    const now = this.now();
    const entry = this.live(key, now);
    return entry ? { value: entry.value, ttlMs: entry.expiresAt - now } : null;
  }

  async expire(key: string, ttlMs: number): Promise<void> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry) entry.expiresAt = now + ttlMs;
  }

  async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.live(key, now)) return false;
    this.entries.set(key, { value: 1, expiresAt: now + ttlMs });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    this.values.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async take(key: string): Promise<string | null> {
    const entry = this.values.get(key);
    this.values.delete(key);
    return entry && entry.expiresAt > this.now() ? entry.value : null;
  }

  async ping(): Promise<void> {
    // In-process: always reachable.
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const [key, entry] of this.values) {
      if (entry.expiresAt <= now) this.values.delete(key);
    }
  }
}
