import { closeSync, mkdirSync, openSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { lock } from 'proper-lockfile';
import { type AuditFields, chainLine } from './audit-chain';
import { chainEnd, lockPathOf, rotate } from './audit-file-set';

/** A batch is written at most this long after its first event… */
export const FLUSH_INTERVAL_MS = 50;
/** …or as soon as this many events wait. */
export const BATCH_SIZE = 256;
/** After a failed write (disk full, I/O error): the next try. */
const RETRY_AFTER_FAILURE_MS = 1000;
/** Another writer (the CLI, or this process's previous batch) holds the lock: the next try. */
const RETRY_WHEN_LOCKED_MS = FLUSH_INTERVAL_MS;
/** A crashed holder's lock is taken over after this long (proper-lockfile refreshes a live one's mtime). */
const LOCK_STALE_MS = 10_000;
/** How long shutdown keeps trying to write what is queued. */
const SHUTDOWN_BUDGET_MS = 5000;

export interface AuditWriterOptions {
  /** AUDIT_LOG_MAX_BYTES: a batch that would take the file past this rotates it first. */
  maxBytes: number;
  /** AUDIT_LOG_KEEP: rotated files kept (`<name>.1` … `<name>.keep`). */
  keep: number;
  /** AUDIT_QUEUE_MAX: events waiting beyond this make the instance not ready. */
  queueMax: number;
  logger: Logger;
}

export type AuditWriterStatus = { ready: true } | { ready: false; reason: 'write-failing' | 'queue-over-bound' };

/**
 * Appends security events to AUDIT_LOG_FILE off the request path: record()
 * only queues; batches are written in order with one write and one fsync
 * each, at most every FLUSH_INTERVAL_MS or BATCH_SIZE events. A response
 * therefore never waits for the disk, and a crash can lose at most the
 * batch not yet fsynced (docs/operations.md, "The audit file").
 *
 * Several processes may append to one file (the API and the admin CLI):
 * each batch is written under an advisory lock (proper-lockfile: Node has no
 * flock), and the chain's last hash is re-read under it, from `<name>.1`
 * when another writer has just rotated. A write that fails (disk full) is
 * truncated back, so the file never keeps half a batch; the events stay
 * queued, in order, and are retried.
 *
 * Nothing here throws into a caller: a failing disk shows as not ready
 * (status()), never as an error in the request that recorded the event.
 * The queue is bounded for readiness, not for memory: past queueMax the
 * instance reports not ready and logs it once, and only refusal events
 * (already aggregated) are dropped; every other event is kept.
 */
export class AuditWriter {
  private readonly queue: AuditFields[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failing = false;
  private overBound = false;
  private droppedRefusals = 0;
  private closed = false;
  /** The file as this process left it: skips re-reading the tail when nobody wrote since. */
  private last: { ino: number; size: number; hash: string } | null = null;

  private constructor(
    readonly path: string,
    private readonly options: AuditWriterOptions,
  ) {}

  /** Creates the file (0600) if needed and checks the chain's end under the lock: a broken last line stops the boot. */
  static async open(path: string, options: AuditWriterOptions): Promise<AuditWriter> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    const writer = new AuditWriter(path, options);
    // Up to ~15 s: a lock left by a writer killed a moment ago is stale (taken over) after 10 s.
    const release = await writer.lock({ retries: { retries: 150, minTimeout: 20, maxTimeout: 100 } });
    try {
      chainEnd(path);
    } finally {
      await release();
    }
    return writer;
  }

  status(): AuditWriterStatus {
    if (this.failing) return { ready: false, reason: 'write-failing' };
    if (this.overBound) return { ready: false, reason: 'queue-over-bound' };
    return { ready: true };
  }

  get queued(): number {
    return this.queue.length;
  }

  /** `droppable`: a refusal event, the only kind that may be dropped while the queue is over its bound. */
  enqueue(entry: AuditFields, droppable = false): void {
    if (this.overBound && droppable) {
      this.droppedRefusals += 1;
      return;
    }
    this.queue.push(entry);
    if (!this.overBound && this.queue.length > this.options.queueMax) {
      this.overBound = true;
      this.options.logger.error(
        { auditQueue: this.queue.length, auditQueueMax: this.options.queueMax },
        'audit file falls behind: queue over AUDIT_QUEUE_MAX, instance not ready until it drains',
      );
    }
    if (this.closed) return;
    if (this.queue.length >= BATCH_SIZE && this.timer && !this.failing) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.schedule(this.queue.length >= BATCH_SIZE ? 0 : FLUSH_INTERVAL_MS);
  }

  /** Shutdown (SIGTERM included): writes what is queued, trying for a few seconds at most. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    const deadline = Date.now() + SHUTDOWN_BUDGET_MS;
    while (this.queue.length > 0 && Date.now() < deadline) {
      const outcome = await this.writeNext();
      if (outcome === 'failed') break;
      if (outcome === 'locked') await new Promise((resolve) => setTimeout(resolve, RETRY_WHEN_LOCKED_MS));
    }
    if (this.queue.length > 0) {
      this.options.logger.error(
        { auditUnwritten: this.queue.length },
        'audit file: events could not be written before shutdown',
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.flushing || this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushOnce().finally(() => {
        this.flushing = null;
      });
    }, delayMs);
  }

  private async flushOnce(): Promise<void> {
    const outcome = await this.writeNext();
    if (this.queue.length === 0 || this.closed) return;
    const next =
      outcome === 'failed'
        ? RETRY_AFTER_FAILURE_MS
        : outcome === 'locked'
          ? RETRY_WHEN_LOCKED_MS
          : this.queue.length >= BATCH_SIZE
            ? 0
            : FLUSH_INTERVAL_MS;
    // Scheduled once this flush has settled (schedule() refuses while one is in flight).
    setImmediate(() => this.schedule(next));
  }

  /** Writes the oldest batch; never throws. */
  private async writeNext(): Promise<'written' | 'locked' | 'failed'> {
    const batch = this.queue.slice(0, BATCH_SIZE);
    if (batch.length === 0) return 'written';
    try {
      await this.writeBatch(batch);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return 'locked';
      if (!this.failing) {
        this.failing = true;
        this.options.logger.error(
          { err: error, auditQueue: this.queue.length },
          'audit file: write failed; events stay queued and are retried, instance not ready until a write succeeds',
        );
      }
      return 'failed';
    }
    this.queue.splice(0, batch.length);
    if (this.failing) {
      this.failing = false;
      this.options.logger.warn({ auditQueue: this.queue.length }, 'audit file: writing again');
    }
    if (this.overBound && this.queue.length <= this.options.queueMax) {
      this.overBound = false;
      this.options.logger.warn(
        { auditQueue: this.queue.length, droppedRefusalEvents: this.droppedRefusals },
        'audit file: queue back under AUDIT_QUEUE_MAX',
      );
      this.droppedRefusals = 0;
    }
    return 'written';
  }

  private async writeBatch(entries: AuditFields[]): Promise<void> {
    const release = await this.lock({ retries: 0 });
    try {
      const current = await stat(this.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      let size = current?.size ?? 0;
      // Unchanged since this process wrote: its own last hash. Otherwise
      // another writer appended or rotated: the chain's end is read again.
      let hash =
        this.last && current && current.ino === this.last.ino && current.size === this.last.size
          ? this.last.hash
          : chainEnd(this.path);
      const lines: string[] = [];
      for (const entry of entries) {
        const chained = chainLine(entry, hash);
        lines.push(chained.line);
        hash = chained.hash;
      }
      const data = Buffer.from(`${lines.join('\n')}\n`);
      if (size > 0 && size + data.length > this.options.maxBytes) {
        await rotate(this.path, this.options.keep);
        size = 0;
      }
      const file = await open(this.path, 'a', 0o600);
      try {
        const before = (await file.stat()).size;
        try {
          await file.appendFile(data);
          await file.sync();
        } catch (error) {
          // Half a batch would leave an incomplete last line, which breaks
          // the chain for every later writer: cut back to where it stood.
          await file.truncate(before).catch(() => undefined);
          throw error;
        }
        const after = await file.stat();
        this.last = { ino: after.ino, size: after.size, hash };
      } finally {
        await file.close();
      }
    } catch (error) {
      this.last = null;
      throw error;
    } finally {
      await release().catch(() => undefined);
    }
  }

  private lock(options: {
    retries: number | { retries: number; minTimeout: number; maxTimeout: number };
  }): Promise<() => Promise<void>> {
    return lock(this.path, {
      realpath: false,
      lockfilePath: lockPathOf(this.path),
      stale: LOCK_STALE_MS,
      ...options,
      // A lock found stale while held (this process stalled for > 10 s):
      // logged; the batch written under it may interleave with another
      // writer's, which npm run audit:verify would then report.
      onCompromised: (error) => this.options.logger.error({ err: error }, 'audit file: lock compromised'),
    });
  }
}
