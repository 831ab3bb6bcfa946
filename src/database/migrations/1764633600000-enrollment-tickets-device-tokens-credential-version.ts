import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Issue 11 (a password alone never yields a session, no attacker can lock a
 * user out): enrollment tickets, device tokens, and a credential version on
 * users. Schema builder only, so SQLite and PostgreSQL share it.
 */
export class EnrollmentTicketsDeviceTokensCredentialVersion1764633600000 implements MigrationInterface {
  name = 'EnrollmentTicketsDeviceTokensCredentialVersion1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'credential_version', type: 'integer', default: 0 }),
      new TableColumn({ name: 'totp_pending_ticket_id', type: 'varchar', length: '36', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'enrollment_tickets',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          // One live ticket per user: issuing a new one replaces (voids) the previous.
          { name: 'user_id', type: 'varchar', length: '36', isUnique: true },
          { name: 'ticket_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'device_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [new TableIndex({ name: 'idx_device_tokens_user', columnNames: ['user_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('device_tokens');
    await queryRunner.dropTable('enrollment_tickets');
    await queryRunner.dropColumn('users', 'totp_pending_ticket_id');
    await queryRunner.dropColumn('users', 'credential_version');
  }
}
