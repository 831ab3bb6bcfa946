import { Module } from '@nestjs/common';
import { RevocationList } from './revocation-list';

/**
 * The route-access kernel: route decorators, principals and the revocation
 * check every authenticated request makes. It imports no feature folder, so
 * every feature can use it without a cycle.
 */
@Module({
  providers: [RevocationList],
  exports: [RevocationList],
})
export class AccessModule {}
