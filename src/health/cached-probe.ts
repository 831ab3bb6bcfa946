/**
 * A dependency probe for liveness that runs at most once per `maxAgeMs`:
 * callers within that time get the last answer, and callers while a probe
 * is in flight share it. A flood of GET /health then costs one query per
 * second, not one per request, and an outage still shows within a second.
 */
export class CachedProbe {
  private last: { at: number; healthy: boolean } | null = null;
  private inFlight: Promise<boolean> | null = null;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly timeoutMs: number,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  healthy(): Promise<boolean> {
    if (this.last && this.now() - this.last.at < this.maxAgeMs) return Promise.resolve(this.last.healthy);
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let healthy = true;
    try {
      await Promise.race([
        this.run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.timeoutMs);
        }),
      ]);
    } catch {
      healthy = false;
    } finally {
      clearTimeout(timer);
    }
    this.last = { at: this.now(), healthy };
    return healthy;
  }
}
