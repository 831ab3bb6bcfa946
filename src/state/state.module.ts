import { Global, Module } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service';
import { MemoryShortLivedStore } from './memory-short-lived.store';
import { RedisShortLivedStore } from './redis-short-lived.store';
import { ShortLivedStore } from './short-lived.store';

/**
 * One implementation per process, chosen at startup: in-process by default,
 * Redis when REDIS_URL is set so that several instances share limits,
 * lockouts, pre-auth budgets and revocations.
 */
@Global()
@Module({
  providers: [
    {
      provide: ShortLivedStore,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const { url, keyPrefix } = config.app.redis;
        return url ? new RedisShortLivedStore(url, keyPrefix) : new MemoryShortLivedStore();
      },
    },
  ],
  exports: [ShortLivedStore],
})
export class StateModule {}
