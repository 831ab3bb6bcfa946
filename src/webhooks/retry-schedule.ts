/** Retries stop this long after the event was recorded: then the row is dead-lettered. */
export const WEBHOOK_GIVE_UP_AFTER_MS = 24 * 3600 * 1000;
/** No wait between two attempts is longer than this, so a receiver back after a long outage hears within the hour. */
export const WEBHOOK_MAX_DELAY_MS = 3600 * 1000;

/**
 * The wait before the next attempt after `failedAttempts` failures:
 * exponential (base, 2 × base, 4 × base … at most an hour) with "equal
 * jitter" (a random half to all of it), so instances and events that failed
 * together do not retry together and hammer a receiver that is coming back.
 * `random` is in [0, 1).
 */
export function retryDelayMs(failedAttempts: number, baseMs: number, random: number = Math.random()): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const ceiling = Math.min(baseMs * 2 ** exponent, WEBHOOK_MAX_DELAY_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * When to try again after a failure, or null when the next attempt would
 * fall past 24 hours after the event: the row is then dead-lettered.
 */
export function nextAttemptAt(
  createdAt: number,
  failedAttempts: number,
  now: number,
  baseMs: number,
  random: number = Math.random(),
): number | null {
  const next = now + retryDelayMs(failedAttempts, baseMs, random);
  return next > createdAt + WEBHOOK_GIVE_UP_AFTER_MS ? null : next;
}
