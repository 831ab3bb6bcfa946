import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfigService } from '../config/app-config.service';
import { MIGRATIONS } from '../database/data-source-options';
import { WEBHOOK_GIVE_UP_AFTER_MS } from './retry-schedule';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhookOutboxRow } from './webhook-outbox.entity';
import type { WebhookOutbox } from './webhook-outbox.service';
import type { AttemptOutcome, WebhookSender } from './webhook-sender';

/**
 * The worker against a real (in-memory SQLite) outbox: what a round claims,
 * and what each outcome leaves on the row. The receiver is a fake that
 * answers from a script and records what it was sent.
 */
describe('WebhookDelivery', () => {
  let dataSource: DataSource;
  let sent: string[];
  let answer: (id: string) => AttemptOutcome | Promise<AttemptOutcome>;
  let delivery: WebhookDelivery;

  const rows = () => dataSource.getRepository(WebhookOutboxRow);
  const row = (id: string) => rows().findOneByOrFail({ id });
  async function event(id: string, userId: string, values: Partial<WebhookOutboxRow> = {}): Promise<void> {
    const now = Date.now();
    await rows().insert({
      id,
      type: 'auth.password.changed',
      userId,
      payload: JSON.stringify({ id }),
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now - 1,
      ...values,
    });
  }

  beforeEach(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [WebhookOutboxRow],
      migrations: MIGRATIONS,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    // The retry lines are expected here; the dead-letter test looks at the error line.
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sent = [];
    answer = () => ({ delivered: true });
    const sender = {
      send: async (id: string) => {
        sent.push(id);
        return answer(id);
      },
      close: () => undefined,
    } as unknown as WebhookSender;
    const config = {
      app: { securityWebhook: { retryBaseMs: 1000, timeoutMs: 1000, url: 'https://x', key: Buffer.alloc(32) } },
    } as unknown as AppConfigService;
    const outbox = { onWritten: () => undefined } as unknown as WebhookOutbox;
    delivery = new WebhookDelivery(config, dataSource, outbox, sender);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  it('a 2xx marks the row delivered and done', async () => {
    await event('e1', 'alice');
    expect(await delivery.deliverDue()).toBe(1);
    expect(await row('e1')).toMatchObject({
      attempts: 1,
      nextAttemptAt: null,
      deliveredAt: expect.any(Number),
      deadAt: null,
      leaseOwner: null,
    });
    expect(await delivery.deliverDue()).toBe(0);
    expect(sent).toEqual(['e1']);
  });

  it('a failure keeps the row for a later attempt, with its error; it is not due again at once', async () => {
    answer = () => ({ delivered: false, error: 'HTTP 503' });
    await event('e1', 'alice');
    const before = Date.now();
    await delivery.deliverDue();
    const failed = await row('e1');
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 503',
      deliveredAt: null,
      deadAt: null,
      leaseOwner: null,
    });
    expect(failed.nextAttemptAt).toBeGreaterThanOrEqual(before + 500);
    expect(await delivery.deliverDue()).toBe(0);
  });

  it('a failure past 24 hours after the event dead-letters the row, with an error line', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    answer = () => ({ delivered: false, error: 'timed out' });
    await event('e1', 'alice', { createdAt: Date.now() - WEBHOOK_GIVE_UP_AFTER_MS + 100, attempts: 30 });
    await event('e2', 'alice');
    await delivery.deliverDue();
    expect(await row('e1')).toMatchObject({
      attempts: 31,
      nextAttemptAt: null,
      deadAt: expect.any(Number),
      lastError: 'timed out',
    });
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ webhookId: 'e1' }),
      expect.stringMatching(/security webhook e1 \(auth\.password\.changed\) dead-lettered after 31 attempts/),
    );
    error.mockRestore();
    // The user's next event is no longer held up by it.
    answer = () => ({ delivered: true });
    await delivery.deliverDue();
    expect(sent).toEqual(['e1', 'e2']);
  });

  it("never sends a user's later event while an earlier one is pending; other users' events go on", async () => {
    answer = (id) => (id === 'a1' ? { delivered: false, error: 'HTTP 500' } : { delivered: true });
    await event('a1', 'alice');
    await event('a2', 'alice');
    await event('b1', 'bob');
    await delivery.deliverDue();
    expect(sent.sort()).toEqual(['a1', 'b1']);
    // a1 due again and delivered this time: then, and only then, a2.
    await rows().update({ id: 'a1' }, { nextAttemptAt: Date.now() - 1 });
    answer = () => ({ delivered: true });
    await delivery.deliverDue();
    expect(sent.slice(2)).toEqual(['a1']);
    await delivery.deliverDue();
    expect(sent.slice(3)).toEqual(['a2']);
  });

  it('leaves a row another instance holds a live lease on, takes one whose lease ran out, and never overwrites a row it lost', async () => {
    const now = Date.now();
    await event('held', 'alice', { leaseUntil: now + 60_000, leaseOwner: 'other-instance' });
    await event('expired', 'bob', { leaseUntil: now - 1, leaseOwner: 'crashed-instance' });
    await delivery.deliverDue();
    expect(sent).toEqual(['expired']);
    expect(await row('held')).toMatchObject({ attempts: 0, leaseOwner: 'other-instance' });

    // Our lease on a row runs out mid-attempt and another instance claims it: our outcome is dropped.
    await event('slow', 'carol');
    answer = async () => {
      await rows().update({ id: 'slow' }, { leaseOwner: 'taker' });
      return { delivered: false, error: 'HTTP 500' };
    };
    await delivery.deliverDue();
    expect(await row('slow')).toMatchObject({ attempts: 0, leaseOwner: 'taker', lastError: null });
  });

  it('a database down for a while: one error line for many polls, then one line when polling works again', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const rounds = jest.spyOn(delivery, 'deliverDue').mockRejectedValue(new Error('connect ECONNREFUSED'));
    jest.useFakeTimers();
    try {
      delivery.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(10_000);
      // It kept polling (every second here), and said so once.
      expect(rounds.mock.calls.length).toBeGreaterThanOrEqual(10);
      expect(error.mock.calls).toEqual([['security webhook poll failed (Error: connect ECONNREFUSED); polling again']]);
      expect(info).not.toHaveBeenCalled();

      rounds.mockResolvedValue(0);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(info.mock.calls).toEqual([
        [
          expect.stringMatching(
            /^security webhook polling works again after \d+ s of failures; \d+ failures since the last line$/,
          ),
        ],
      ]);
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      await delivery.beforeApplicationShutdown();
      jest.useRealTimers();
    }
  });
});
