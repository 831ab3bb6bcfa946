import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DependencyUnavailableException } from '../state/dependency-unavailable.exception';
import { ShortLivedStore } from '../state/short-lived.store';

const PROBE_TIMEOUT_MS = 1000;

@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: ShortLivedStore,
  ) {}

  /**
   * 200 only when the process can serve logins: the database and the
   * short-lived store (Redis, when configured) both answer. Otherwise 503
   * naming the dependency, so a load balancer takes the instance out until
   * it recovers by itself.
   */
  async check(): Promise<{ status: 'ok' }> {
    await probe('database', () => this.dataSource.query('SELECT 1'));
    await probe('redis', () => this.store.ping());
    return { status: 'ok' };
  }
}

async function probe(dependency: string, operation: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      operation(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    throw new DependencyUnavailableException(dependency);
  } finally {
    clearTimeout(timer);
  }
}
