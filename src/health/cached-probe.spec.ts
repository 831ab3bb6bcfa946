import { CachedProbe } from './cached-probe';

describe('CachedProbe', () => {
  let clock = 0;
  const now = () => clock;

  it('probes at most once per second; concurrent callers share the probe in flight', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const probe = new CachedProbe(
      () => {
        runs += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
      1000,
      1000,
      now,
    );
    const concurrent = [probe.healthy(), probe.healthy(), probe.healthy()];
    release();
    expect(await Promise.all(concurrent)).toEqual([true, true, true]);
    expect(runs).toBe(1);
    clock += 999;
    expect(await probe.healthy()).toBe(true);
    expect(runs).toBe(1);
    clock += 1;
    const next = probe.healthy();
    release();
    expect(await next).toBe(true);
    expect(runs).toBe(2);
  });

  it('a failing dependency is reported within a second, and so is its recovery', async () => {
    let up = false;
    const probe = new CachedProbe(
      async () => {
        if (!up) throw new Error('down');
      },
      1000,
      1000,
      now,
    );
    expect(await probe.healthy()).toBe(false);
    up = true;
    expect(await probe.healthy()).toBe(false);
    clock += 1000;
    expect(await probe.healthy()).toBe(true);
  });

  it('a probe that hangs counts as down after its timeout', async () => {
    const probe = new CachedProbe(() => new Promise(() => undefined), 10, 1000, now);
    expect(await probe.healthy()).toBe(false);
  });
});
