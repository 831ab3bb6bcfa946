import type { ThrottlerStorage } from '@nestjs/throttler';
import { ShortLivedStore } from '../state/short-lived.store';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window counter behind the throttler's storage interface. The
 * throttler's own in-memory storage keeps one timestamp per hit and filters
 * them on every request, so its cost grows with the limit; this is one
 * counter per client and window, exact because increment is atomic.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly store: ShortLivedStore) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const { value, ttlMs } = await this.store.increment(`rl:${key}`, ttl);
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const isBlocked = value > limit;
    return {
      totalHits: value,
      timeToExpire: seconds,
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds : 0,
    };
  }
}
