import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Issue 17 (security webhooks): the outbox the delivery worker drains.
 * Indexes for its two reads: the rows due now (next_attempt_at, null once
 * done) and "an earlier pending row of this user" (user_id, seq). Schema
 * builder only, so SQLite and PostgreSQL share it.
 */
export class WebhookOutbox1764892800000 implements MigrationInterface {
  name = 'WebhookOutbox1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_outbox',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'id', type: 'varchar', length: '64', isUnique: true },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'payload', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: 'bigint', isNullable: true },
          { name: 'lease_until', type: 'bigint', isNullable: true },
          { name: 'lease_owner', type: 'varchar', length: '36', isNullable: true },
          { name: 'delivered_at', type: 'bigint', isNullable: true },
          { name: 'dead_at', type: 'bigint', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_webhook_outbox_due', columnNames: ['next_attempt_at'] }),
          new TableIndex({ name: 'idx_webhook_outbox_user_seq', columnNames: ['user_id', 'seq'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_outbox');
  }
}
