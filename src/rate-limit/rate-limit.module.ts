import { Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { perHandler } from '../common/per-handler';
import { AppConfigService } from '../config/app-config.service';
import { ShortLivedStore } from '../state/short-lived.store';
import { AccountLockoutService } from './account-lockout.service';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';
import { RATE_LIMIT_BUCKET, type RateLimitBucket } from './rate-limit.decorator';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfigService, ShortLivedStore, Reflector],
      useFactory: (config: AppConfigService, store: ShortLivedStore, reflector: Reflector) => {
        const { rateLimit } = config.app;
        // The named throttlers apply only to the routes of their @RateLimit
        // bucket. Through skipIf, the guard drops them after one metadata
        // read instead of resolving all their options on every request
        // (figures: docs/performance.md, "What the profiles changed").
        const bucketOf = perHandler((context) =>
          reflector.getAllAndOverride<RateLimitBucket | undefined>(RATE_LIMIT_BUCKET, [
            context.getHandler(),
            context.getClass(),
          ]),
        );
        const onlyFor = (bucket: RateLimitBucket) => (context: Parameters<typeof bucketOf>[0]) =>
          bucketOf(context) !== bucket;
        return {
          throttlers: [
            { name: 'default', limit: rateLimit.default.limit, ttl: rateLimit.default.ttlSeconds * 1000 },
            {
              name: 'login',
              limit: rateLimit.login.limit,
              ttl: rateLimit.login.ttlSeconds * 1000,
              skipIf: onlyFor('login'),
            },
            {
              name: '2fa',
              limit: rateLimit.twoFactor.limit,
              ttl: rateLimit.twoFactor.ttlSeconds * 1000,
              skipIf: onlyFor('2fa'),
            },
          ],
          // X-RateLimit-Remaining on the login routes would tell an attacker
          // how many guesses are left; only Retry-After is sent, on a 429.
          setHeaders: false,
          storage: new FixedWindowThrottlerStorage(store, rateLimit.failOpen),
        };
      },
    }),
  ],
  providers: [AccountLockoutService],
  exports: [AccountLockoutService],
})
export class RateLimitModule {}
