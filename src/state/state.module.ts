import { Global, Module } from '@nestjs/common';
import { MemoryShortLivedStore } from './memory-short-lived.store';
import { ShortLivedStore } from './short-lived.store';

@Global()
@Module({
  providers: [{ provide: ShortLivedStore, useFactory: () => new MemoryShortLivedStore() }],
  exports: [ShortLivedStore],
})
export class StateModule {}
