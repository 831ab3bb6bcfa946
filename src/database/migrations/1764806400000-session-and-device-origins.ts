import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Issue 17 (sessions and devices a user can see): where a session was
 * started and last refreshed from, with which User-Agent, and from which
 * device; the User-Agent of each device token. All nullable: rows from
 * before this migration have none. A partial index serves the session list
 * (a user's sessions never revoked, newest first) without reading the ended
 * ones, which stay in the table. Schema builder only, so SQLite and
 * PostgreSQL share it.
 */
export class SessionAndDeviceOrigins1764806400000 implements MigrationInterface {
  name = 'SessionAndDeviceOrigins1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sessions', [
      // An IPv6 address in its longest text form (with an embedded IPv4) is 45 characters.
      new TableColumn({ name: 'created_from_address', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'client_address', type: 'varchar', length: '64', isNullable: true }),
      // Escaped and cut to 256 characters before it is stored (userAgentOf).
      new TableColumn({ name: 'user_agent', type: 'varchar', length: '256', isNullable: true }),
      // No foreign key: a revoked device's row is deleted, the session it started stays.
      new TableColumn({ name: 'device_id', type: 'varchar', length: '36', isNullable: true }),
    ]);
    await queryRunner.createIndex(
      'sessions',
      new TableIndex({
        name: 'idx_sessions_user_live',
        columnNames: ['user_id', 'created_at'],
        where: 'revoked_at IS NULL',
      }),
    );
    await queryRunner.addColumn(
      'device_tokens',
      new TableColumn({ name: 'user_agent', type: 'varchar', length: '256', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('device_tokens', 'user_agent');
    await queryRunner.dropIndex('sessions', 'idx_sessions_user_live');
    await queryRunner.dropColumn('sessions', 'device_id');
    await queryRunner.dropColumn('sessions', 'user_agent');
    await queryRunner.dropColumn('sessions', 'client_address');
    await queryRunner.dropColumn('sessions', 'created_from_address');
  }
}
