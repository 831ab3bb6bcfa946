import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ShortLivedStore } from '../state/short-lived.store';

/**
 * Terminus indicator for the short-lived store: a PING to Redis when
 * REDIS_URL is set. The in-process store is always reachable, so readiness
 * only lists this indicator when Redis is configured.
 */
@Injectable()
export class ShortLivedStoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly store: ShortLivedStore,
  ) {}

  pingCheck<Key extends string>(key: Key, timeoutMs: number) {
    return this.indicators
      .check(key)
      .attempt(async () => {
        await this.store.ping();
      })
      .withTimeout(timeoutMs);
  }
}
