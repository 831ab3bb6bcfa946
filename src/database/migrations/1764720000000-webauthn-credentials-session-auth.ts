import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Issue 16 (passkeys): WebAuthn credentials, and on sessions how the login
 * was proven (amr) and when the second factor last was (auth_time), so that
 * refreshed access tokens keep both. Schema builder only, so SQLite and
 * PostgreSQL share it.
 */
export class WebAuthnCredentialsSessionAuth1764720000000 implements MigrationInterface {
  name = 'WebAuthnCredentialsSessionAuth1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sessions', [
      new TableColumn({ name: 'auth_time', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'amr', type: 'varchar', length: '64', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'webauthn_credentials',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          // Unique across users: one authenticator's credential belongs to one account only.
          // A credential id is at most 1023 bytes, 1364 characters in base64url.
          { name: 'credential_id', type: 'varchar', length: '1400', isUnique: true },
          { name: 'public_key', type: 'text' },
          { name: 'counter', type: 'bigint', default: 0 },
          { name: 'transports', type: 'varchar', length: '255', isNullable: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'backed_up', type: 'boolean', default: false },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [new TableIndex({ name: 'idx_webauthn_credentials_user', columnNames: ['user_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webauthn_credentials');
    await queryRunner.dropColumn('sessions', 'amr');
    await queryRunner.dropColumn('sessions', 'auth_time');
  }
}
