import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMillis } from '../database/epoch-millis.transformer';

/**
 * One security webhook, written before any attempt so that a restart loses
 * none. `seq` orders a user's events: the worker never sends one while an
 * earlier one of the same user is still pending. A row is pending while
 * next_attempt_at is set; delivered or dead-lettered rows keep their outcome.
 */
@Entity({ name: 'webhook_outbox' })
@Index('idx_webhook_outbox_user_seq', ['userId', 'seq'])
export class WebhookOutboxRow {
  @PrimaryGeneratedColumn('increment')
  seq: number;

  /** The webhook-id header and the payload's id: the same in every attempt, so receivers can drop repeats. */
  @Column({ type: 'varchar', length: 64, unique: true })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  /** The exact JSON body, fixed at creation: every attempt sends (and signs) the same bytes. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt: number;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Null once delivered or dead-lettered. */
  @Index('idx_webhook_outbox_due')
  @Column({ name: 'next_attempt_at', type: 'bigint', nullable: true, transformer: epochMillis })
  nextAttemptAt: number | null;

  /** A claim by one instance's worker; once past, another instance may take the row (its owner crashed). */
  @Column({ name: 'lease_until', type: 'bigint', nullable: true, transformer: epochMillis })
  leaseUntil: number | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 36, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'delivered_at', type: 'bigint', nullable: true, transformer: epochMillis })
  deliveredAt: number | null;

  @Column({ name: 'dead_at', type: 'bigint', nullable: true, transformer: epochMillis })
  deadAt: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError: string | null;
}
