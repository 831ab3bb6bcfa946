import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { RecordedSecurityEvent, SecurityEventListener } from '../audit/security-event-listener';
import { SecurityEvents } from '../audit/security-events.service';
import { OutageLog } from '../common/outage-log';
import { UsersService } from '../users/users.service';
import { WebhookOutboxRow } from './webhook-outbox.entity';
import { webhookPayload, webhookTypeOf, type WebhookType } from './webhook-payload';

/** Events waiting for the outbox write beyond this are refused with an error line each (see docs/webhooks.md). */
export const OUTBOX_QUEUE_MAX = 10_000;
/** Rows per INSERT. */
const BATCH_SIZE = 200;
/** After a failed write (database down), the queue waits this long before trying again. */
const WRITE_RETRY_MS = 1000;

interface Pending {
  id: string;
  type: WebhookType;
  event: RecordedSecurityEvent;
}

/**
 * The first half of delivery: security events the account owner should hear
 * about go from SecurityEvents.record() into a bounded in-memory queue (the
 * request never waits for it) and from there, in batches, into the
 * webhook_outbox table, where they survive a restart until the worker has
 * delivered them.
 *
 * Nothing is lost silently: when the queue is full (the database has been
 * unreachable for a while under load), or when the process stops while the
 * database refuses the write, each event that cannot be kept is named in an
 * error line (id and type).
 */
@Injectable()
export class WebhookOutbox implements SecurityEventListener, OnModuleInit, OnApplicationShutdown {
  // Plain-text lines (the id and type in the message): the admin CLI, which
  // records events too, prints only the message of what Nest logs.
  private readonly logger = new Logger('SecurityWebhooks');
  /** The write is retried every second: while the database is down, a line a minute, not one per retry. */
  private readonly writeOutage = new OutageLog(this.logger);
  private readonly queue: Pending[] = [];
  private readonly written = new Set<() => void>();
  private draining?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly events: SecurityEvents,
    @InjectRepository(WebhookOutboxRow) private readonly rows: Repository<WebhookOutboxRow>,
    private readonly users: UsersService,
  ) {}

  onModuleInit(): void {
    this.events.addListener(this);
  }

  /** Called after each batch reaches the table: the worker of this instance looks at once. */
  onWritten(listener: () => void): void {
    this.written.add(listener);
  }

  onSecurityEvent(event: RecordedSecurityEvent): void {
    const type = webhookTypeOf(event);
    if (!type || (!event.fields.userId && !event.fields.username)) return;
    const id = `msg_${randomUUID()}`;
    if (this.queue.length >= OUTBOX_QUEUE_MAX) {
      this.logger.error(
        `security webhook ${id} (${type}) not kept: the outbox queue is full (the database is not taking writes)`,
      );
      return;
    }
    this.queue.push({ id, type, event });
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** After the HTTP server has closed (no request records anything any more): whatever is queued goes to the table. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.draining;
    if (this.queue.length > 0) await this.drain();
  }

  private async drain(): Promise<void> {
    // One turn of the event loop: a burst of events (a reset records several) shares one INSERT.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH_SIZE);
      try {
        await this.write(batch);
        this.writeOutage.succeeded('security webhooks: the outbox takes writes again');
        this.queue.splice(0, batch.length);
        for (const listener of this.written) listener();
      } catch (error) {
        if (this.stopping) {
          for (const lost of this.queue.splice(0)) {
            this.logger.error(
              `security webhook ${lost.id} (${lost.type}) lost at shutdown: the outbox could not be written (${String(error)})`,
            );
          }
          return;
        }
        this.writeOutage.failed(
          `security webhooks wait: the outbox write failed (${String(error)}); ${this.queue.length} queued, retrying`,
        );
        await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS).unref());
      }
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const rows: Partial<WebhookOutboxRow>[] = [];
    for (const pending of batch) {
      const { userId, username } = pending.event.fields;
      const user = userId ? await this.users.findById(userId) : await this.users.findByUsername(username as string);
      // A lockout of a username nobody has: there is no owner to tell.
      if (!user) continue;
      const payload = webhookPayload(pending.id, pending.type, pending.event, user);
      rows.push({
        id: pending.id,
        type: pending.type,
        userId: user.id,
        payload: JSON.stringify(payload),
        createdAt: pending.event.time,
        attempts: 0,
        nextAttemptAt: pending.event.time,
      });
    }
    if (rows.length > 0) await this.rows.insert(rows);
  }
}
