import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * sessions.access_expires_at: when the latest access token of the session
 * expires (epoch ms), so a revocation lasts as long as that token, whatever
 * JWT_ACCESS_TTL says later. Plain SQL, the same on SQLite and PostgreSQL:
 * TypeORM's addColumn on SQLite copies the whole table into a new one,
 * where ALTER TABLE … ADD COLUMN only changes the schema.
 *
 * The partial index serves the boot-time rebuild of the revocation list,
 * which reads only ended sessions by that column.
 */
export class AddSessionAccessExpiry1764547200000 implements MigrationInterface {
  name = 'AddSessionAccessExpiry1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE sessions ADD COLUMN access_expires_at bigint');
    await queryRunner.query(
      'CREATE INDEX idx_sessions_revoked_access_expiry ON sessions (access_expires_at) WHERE revoked_at IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX idx_sessions_revoked_access_expiry');
    await queryRunner.query('ALTER TABLE sessions DROP COLUMN access_expires_at');
  }
}
