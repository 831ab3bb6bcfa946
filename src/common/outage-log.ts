/** Where an OutageLog writes: a Nest Logger fits. */
export interface OutageLogSink {
  error(message: string): void;
  log(message: string): void;
}

/**
 * The lines of something that retries on its own (a poll, a batch write)
 * while a dependency is down: one when it starts failing, then at most one
 * per `everyMs` while it keeps failing (with how many failures that line
 * stands for), and one when it works again. A database that is down for an
 * hour then leaves about sixty lines per instance, not one per retry, and
 * the last failure line is never more than `everyMs` old.
 */
export class OutageLog {
  private failingSince: number | null = null;
  private lastLineAt = 0;
  private unreported = 0;

  constructor(
    private readonly sink: OutageLogSink,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** One failure; `message` says what failed and why. */
  failed(message: string): void {
    const now = this.now();
    if (this.failingSince === null) this.failingSince = now;
    else if (now - this.lastLineAt < this.everyMs) {
      this.unreported += 1;
      return;
    }
    const repeats = this.unreported > 0 ? ` (and ${this.unreported} more times since the last line)` : '';
    this.sink.error(`${message}${repeats}`);
    this.lastLineAt = now;
    this.unreported = 0;
  }

  /** A success: after failures, one line saying so and for how long it failed. */
  succeeded(message: string): void {
    if (this.failingSince === null) return;
    const seconds = Math.round((this.now() - this.failingSince) / 1000);
    const repeats = this.unreported > 0 ? `; ${this.unreported} failures since the last line` : '';
    this.sink.log(`${message} after ${seconds} s of failures${repeats}`);
    this.failingSince = null;
    this.unreported = 0;
  }
}
