import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AuditWriter } from '../audit/audit-writer';
import { AUDIT_FILE } from '../audit/security-events.service';

/**
 * Terminus indicator for AUDIT_LOG_FILE: down while its writes fail (disk
 * full) or while more events wait than AUDIT_QUEUE_MAX, so a load balancer
 * drains an instance whose audit trail falls behind. Listed only when the
 * file is configured.
 */
@Injectable()
export class AuditFileHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(AUDIT_FILE) private readonly writer: AuditWriter | null,
  ) {}

  get configured(): boolean {
    return this.writer !== null;
  }

  check<Key extends string>(key: Key) {
    const indicator = this.indicators.check(key);
    const status = this.writer?.status() ?? { ready: true };
    return status.ready ? indicator.up() : indicator.down({ reason: status.reason });
  }
}
