import { randomUUID } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { OutageLog } from '../common/outage-log';
import { AppConfigService } from '../config/app-config.service';
import { nextAttemptAt } from './retry-schedule';
import { WebhookOutboxRow } from './webhook-outbox.entity';
import { WebhookOutbox } from './webhook-outbox.service';
import type { WebhookSender } from './webhook-sender';
import { WEBHOOK_SENDER } from './webhook-sender.provider';

/** Rows one poll claims at most (each the oldest pending event of its user). */
const CLAIM_BATCH = 20;
/** In-flight attempts get this long at shutdown; then they are cut off and their rows retried later. */
const SHUTDOWN_GRACE_MS = 2000;

/** What an attempt leaves on its row. */
interface Outcome {
  attempts: number;
  nextAttemptAt: number | null;
  deliveredAt?: number;
  deadAt?: number;
  lastError: string | null;
}

interface ClaimedRow {
  seq: number;
  id: string;
  type: string;
  payload: string;
  createdAt: number;
  attempts: number;
}

/**
 * The second half of delivery: polls webhook_outbox for due rows, claims
 * some, POSTs each, and records the outcome.
 *
 * Claiming: one UPDATE sets a lease (owner and expiry) on the rows it
 * picks; on PostgreSQL the picking SELECT takes them `FOR UPDATE SKIP
 * LOCKED`, so two instances polling at once claim different rows and each
 * event is sent by one of them. A lease outlives an attempt (twice the
 * timeout and more), and once past, another instance may take the row: an
 * instance that crashed mid-attempt delays its rows, it does not lose them.
 * Delivery is therefore at least once (a crash after the receiver's 2xx and
 * before the outcome is written sends it again); receivers drop repeats by
 * webhook-id.
 *
 * Order per user: only a user's oldest pending row can be claimed, so a
 * later event of that user waits until the earlier one is delivered or
 * dead-lettered.
 */
@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('SecurityWebhooks');
  /** The worker polls every second: while the database is down, a line a minute, not one per poll. */
  private readonly pollOutage = new OutageLog(this.logger);
  private readonly retryBaseMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly postgres: boolean;
  /** Aborts attempts still in flight when the shutdown grace is over. */
  private readonly stop = new AbortController();
  private closing = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;

  constructor(
    config: AppConfigService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: WebhookOutbox,
    @Inject(WEBHOOK_SENDER) private readonly sender: WebhookSender,
  ) {
    // The module provides this service only when the webhook is configured.
    const webhook = config.app.securityWebhook as NonNullable<typeof config.app.securityWebhook>;
    this.retryBaseMs = webhook.retryBaseMs;
    this.leaseMs = 2 * webhook.timeoutMs + 30_000;
    // Events written by another instance, and retries, are found by polling;
    // this instance's own new events wake the worker at once (onWritten).
    this.pollMs = Math.min(Math.max(webhook.retryBaseMs, 50), 1000);
    this.postgres = dataSource.options.type === 'postgres';
  }

  onApplicationBootstrap(): void {
    this.outbox.onWritten(() => this.wake());
    this.wake();
  }

  /** Stop polling; attempts in flight get a short grace, then are cut off (their rows stay due). */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const running = this.running;
    if (running) {
      const grace = setTimeout(() => this.stop.abort(), SHUTDOWN_GRACE_MS);
      await running;
      clearTimeout(grace);
    }
    this.stop.abort();
  }

  onApplicationShutdown(): void {
    this.sender.close();
  }

  private wake(): void {
    if (this.closing) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.poll().finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.closing) return;
    const wait = this.again ? 0 : this.pollMs;
    this.again = false;
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      // Until a round finds nothing due: a backlog drains without waiting for the next poll.
      let delivered = 1;
      while (!this.closing && delivered > 0) delivered = await this.deliverDue();
      this.pollOutage.succeeded('security webhook polling works again');
    } catch (error) {
      // The database is down: the rows stay due (or leased until their lease runs out) for a later poll.
      if (!this.closing) this.pollOutage.failed(`security webhook poll failed (${String(error)}); polling again`);
    }
  }

  /** One round: claims due rows (the oldest pending one per user) and attempts each; returns how many. */
  async deliverDue(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((row) => this.attempt(row)));
    return claimed.length;
  }

  private async attempt(row: ClaimedRow & { owner: string }): Promise<void> {
    const outcome = await this.sender.send(row.id, row.payload, this.stop.signal);
    const now = Date.now();
    const attempts = row.attempts + 1;
    if (outcome.delivered) {
      await this.finish(row, { attempts, nextAttemptAt: null, deliveredAt: now, lastError: null });
      return;
    }
    const next = nextAttemptAt(row.createdAt, attempts, now, this.retryBaseMs);
    if (next === null) {
      await this.finish(row, { attempts, nextAttemptAt: null, deadAt: now, lastError: outcome.error });
      this.logger.error(
        { webhookId: row.id, webhookType: row.type, attempts, lastError: outcome.error },
        `security webhook ${row.id} (${row.type}) dead-lettered after ${attempts} attempts over 24 hours: ${outcome.error}`,
      );
      return;
    }
    await this.finish(row, { attempts, nextAttemptAt: next, lastError: outcome.error });
    this.logger.warn(
      { webhookId: row.id, webhookType: row.type, attempts, lastError: outcome.error, nextAttemptAt: next },
      `security webhook ${row.id} (${row.type}) attempt ${attempts} failed: ${outcome.error}; retrying`,
    );
  }

  /** Only while the lease is still ours: a row another instance took over after our lease ran out is its business. */
  private async finish(row: { seq: number; owner: string }, values: Outcome): Promise<void> {
    await this.dataSource.getRepository(WebhookOutboxRow).update(
      { seq: row.seq, leaseOwner: row.owner },
      {
        attempts: values.attempts,
        nextAttemptAt: values.nextAttemptAt,
        deliveredAt: values.deliveredAt ?? null,
        deadAt: values.deadAt ?? null,
        lastError: values.lastError?.slice(0, 255) ?? null,
        leaseUntil: null,
        leaseOwner: null,
      },
    );
  }

  private async claim(): Promise<(ClaimedRow & { owner: string })[]> {
    const now = Date.now();
    const owner = randomUUID();
    const p = this.postgres ? (n: number) => `$${n}` : () => '?';
    // The oldest pending row of each user whose lease is free; on PostgreSQL
    // rows another instance is claiming right now are skipped, not waited for.
    const sql =
      `UPDATE webhook_outbox SET lease_until = ${p(1)}, lease_owner = ${p(2)} WHERE seq IN (` +
      `SELECT o.seq FROM webhook_outbox o WHERE o.next_attempt_at <= ${p(3)} ` +
      `AND (o.lease_until IS NULL OR o.lease_until <= ${p(4)}) ` +
      'AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.user_id = o.user_id AND e.seq < o.seq ' +
      'AND e.next_attempt_at IS NOT NULL) ' +
      `ORDER BY o.seq LIMIT ${CLAIM_BATCH}${this.postgres ? ' FOR UPDATE SKIP LOCKED' : ''}) ` +
      // Checked again on the row as updated: a row leased since the subquery read it is left alone.
      `AND (lease_until IS NULL OR lease_until <= ${p(5)}) ` +
      'RETURNING seq, id, type, payload, created_at, attempts';
    const result: unknown = await this.dataSource.query(sql, [now + this.leaseMs, owner, now, now, now]);
    // The pg driver answers an UPDATE with [rows, count]; better-sqlite3 with the rows.
    const rows = (this.postgres ? (result as [unknown[], number])[0] : result) as Record<string, unknown>[];
    return rows
      .map((r) => ({
        seq: Number(r.seq),
        id: String(r.id),
        type: String(r.type),
        payload: String(r.payload),
        createdAt: Number(r.created_at),
        attempts: Number(r.attempts),
        owner,
      }))
      .sort((a, b) => a.seq - b.seq);
  }
}
