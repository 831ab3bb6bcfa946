import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfigService } from '../config/app-config.service';
import { DependencyUnavailableException } from '../state/dependency-unavailable.exception';
import { ShortLivedStore } from '../state/short-lived.store';
import { AuditFileHealthIndicator } from './audit-file.health';
import { CachedProbe } from './cached-probe';
import { ShortLivedStoreHealthIndicator } from './short-lived-store.health';

const PROBE_TIMEOUT_MS = 1000;

@Injectable()
export class HealthService {
  private readonly databaseProbe: CachedProbe;
  private readonly storeProbe: CachedProbe;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: ShortLivedStore,
    private readonly healthChecks: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly storeIndicator: ShortLivedStoreHealthIndicator,
    private readonly config: AppConfigService,
    private readonly auditFile: AuditFileHealthIndicator,
  ) {
    this.databaseProbe = new CachedProbe(() => this.dataSource.query('SELECT 1'), PROBE_TIMEOUT_MS);
    this.storeProbe = new CachedProbe(() => this.store.ping(), PROBE_TIMEOUT_MS);
  }

  /**
   * 200 only when the process can serve logins: the database and the
   * short-lived store (Redis, when configured) both answer. Otherwise 503
   * naming the dependency, so a load balancer takes the instance out until
   * it recovers by itself. Each dependency is probed at most once per
   * second (liveness is polled, and floods of it must stay cheap);
   * /health/ready stays a live check.
   */
  async check(): Promise<{ status: 'ok' }> {
    if (!(await this.databaseProbe.healthy())) throw new DependencyUnavailableException('database');
    if (!(await this.storeProbe.healthy())) throw new DependencyUnavailableException('redis');
    return { status: 'ok' };
  }

  /**
   * Readiness through @nestjs/terminus: `{ status: 'ok', info, error, details }`
   * with one entry per dependency (database; redis only when REDIS_URL is
   * set; audit only when AUDIT_LOG_FILE is set: down while its writes fail or
   * its queue is over AUDIT_QUEUE_MAX). Not ready is a 503 in the API's one error shape, naming the
   * dependencies that are down; the drivers' own messages (hosts, ports,
   * credentials in a URL) are never shown to the caller.
   */
  async ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.database.pingCheck('database', { connection: this.dataSource }).withTimeout(PROBE_TIMEOUT_MS),
    ];
    if (this.config.app.redis.url) checks.push(() => this.storeIndicator.pingCheck('redis', PROBE_TIMEOUT_MS));
    if (this.auditFile.configured) checks.push(() => this.auditFile.check('audit'));
    try {
      return await this.healthChecks.check(checks);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as Partial<HealthCheckResult>;
        const down = Object.keys(result.error ?? {});
        throw new DependencyUnavailableException(down.length > 0 ? down.join(', ') : 'shutting down');
      }
      throw error;
    }
  }
}
