/**
 * At most `limit` tasks at once; the rest wait in arrival order. argon2 runs
 * on libuv's thread pool (4 threads by default): left unbounded, a login
 * flood occupies every core and the event loop stalls for everyone else
 * (figures: docs/performance.md, "Logins").
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
