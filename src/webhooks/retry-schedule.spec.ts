import { nextAttemptAt, retryDelayMs, WEBHOOK_GIVE_UP_AFTER_MS, WEBHOOK_MAX_DELAY_MS } from './retry-schedule';

describe('webhook retry schedule', () => {
  it('doubles from the base with each failure', () => {
    expect([1, 2, 3, 4, 5].map((failures) => retryDelayMs(failures, 1000, 0.999999))).toEqual([
      1000, 2000, 4000, 8000, 16000,
    ]);
  });

  it('jitters between half and all of the step', () => {
    expect(retryDelayMs(3, 1000, 0)).toBe(2000);
    expect(retryDelayMs(3, 1000, 0.5)).toBe(3000);
    for (let i = 0; i < 100; i += 1) {
      const delay = retryDelayMs(3, 1000);
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('never waits more than an hour, however many failures', () => {
    expect(retryDelayMs(30, 5000, 0.5)).toBe(WEBHOOK_MAX_DELAY_MS * 0.75);
    expect(retryDelayMs(10_000, 5000, 0.5)).toBe(WEBHOOK_MAX_DELAY_MS * 0.75);
    expect(retryDelayMs(10_000, 5000, 0.999999)).toBeLessThanOrEqual(WEBHOOK_MAX_DELAY_MS);
  });

  it('gives up when the next attempt would fall past 24 hours after the event', () => {
    const created = 1_000_000;
    const late = created + WEBHOOK_GIVE_UP_AFTER_MS - 1000;
    expect(nextAttemptAt(created, 40, late, 5000, 0)).toBeNull();
    expect(nextAttemptAt(created, 1, created, 5000, 0)).toBe(created + 2500);
  });

  it('with the default base, keeps trying for about a day in a few dozen attempts', () => {
    const created = 0;
    let now = created;
    let failures = 0;
    for (;;) {
      failures += 1;
      const next = nextAttemptAt(created, failures, now, 5000, 0.5);
      if (next === null) break;
      now = next;
    }
    expect(now).toBeGreaterThan(WEBHOOK_GIVE_UP_AFTER_MS - WEBHOOK_MAX_DELAY_MS);
    expect(failures).toBeGreaterThan(20);
    expect(failures).toBeLessThan(60);
  });
});
