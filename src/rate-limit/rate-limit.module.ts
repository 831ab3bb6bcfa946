import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfigService } from '../config/app-config.service';
import { ShortLivedStore } from '../state/short-lived.store';
import { AccountLockoutService } from './account-lockout.service';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfigService, ShortLivedStore],
      useFactory: (config: AppConfigService, store: ShortLivedStore) => {
        const { rateLimit } = config.app;
        return {
          throttlers: [
            { name: 'default', limit: rateLimit.default.limit, ttl: rateLimit.default.ttlSeconds * 1000 },
            { name: 'login', limit: rateLimit.login.limit, ttl: rateLimit.login.ttlSeconds * 1000 },
            { name: '2fa', limit: rateLimit.twoFactor.limit, ttl: rateLimit.twoFactor.ttlSeconds * 1000 },
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
