import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Any constant shared by every instance: the key of the PostgreSQL advisory lock. */
const MIGRATION_LOCK_KEY = 727_202_611;

/**
 * Runs pending migrations at startup, before the first request. With
 * PostgreSQL several instances may start at the same moment: a session-level
 * advisory lock makes them take turns, so each migration runs exactly once
 * and the others find nothing left to do.
 */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    if (this.dataSource.options.type !== 'postgres') {
      await this.migrate();
      return;
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await this.migrate();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await runner.release();
    }
  }

  private async migrate(): Promise<void> {
    if (!(await this.dataSource.showMigrations())) return;
    this.logger.log('Applying pending database migrations…');
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    this.logger.log(`Applied ${applied.map((migration) => migration.name).join(', ')}`);
  }
}
