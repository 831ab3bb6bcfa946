import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuditFileHealthIndicator } from './audit-file.health';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ShortLivedStoreHealthIndicator } from './short-lived-store.health';

@Module({
  // Terminus' own logger would print every failed readiness probe with its
  // details; the 503 is already logged by the error filter.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthService, ShortLivedStoreHealthIndicator, AuditFileHealthIndicator],
})
export class HealthModule {}
