import type { ThrottlerStorage } from '@nestjs/throttler';
import { DependencyUnavailableException } from '../state/dependency-unavailable.exception';
import { ShortLivedStore } from '../state/short-lived.store';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window counter behind the throttler's storage interface. The
 * throttler's own in-memory storage keeps one timestamp per hit and filters
 * them on every request, so its cost grows with the limit; this is one
 * counter per client and window, exact because increment is atomic.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly store: ShortLivedStore,
    private readonly failOpen: boolean,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    let counted;
    try {
      counted = await this.store.increment(`rl:${key}`, ttl);
    } catch (error) {
      // RATE_LIMIT_FAIL_OPEN trades protection for availability: while the
      // store is down, requests pass un-throttled. Lockout, pre-auth budgets
      // and revocations still fail closed.
      if (this.failOpen && error instanceof DependencyUnavailableException) {
        return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
      }
      throw error;
    }
    const { value, ttlMs } = counted;
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
