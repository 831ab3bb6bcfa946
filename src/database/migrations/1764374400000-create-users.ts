import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Written with the schema builder, not raw SQL, so SQLite and PostgreSQL share it. */
export class CreateUsers1764374400000 implements MigrationInterface {
  name = 'CreateUsers1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.options.type === 'postgres' ? 'timestamp' : 'datetime';
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'username_normalized', type: 'varchar', length: '64', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'totp_secret', type: 'text', isNullable: true },
          { name: 'totp_pending_secret', type: 'text', isNullable: true },
          { name: 'totp_enabled', type: 'boolean', default: false },
          { name: 'totp_last_step', type: 'integer', isNullable: true },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}
