import { OutageLog } from './outage-log';

describe('OutageLog', () => {
  let now: number;
  let lines: string[];
  let log: OutageLog;

  beforeEach(() => {
    now = 1_000_000;
    lines = [];
    log = new OutageLog(
      { error: (message) => lines.push(`error: ${message}`), log: (message) => lines.push(`log: ${message}`) },
      60_000,
      () => now,
    );
  });

  it('says nothing while all goes well', () => {
    log.succeeded('works again');
    expect(lines).toEqual([]);
  });

  it('a failure every second for three minutes: a line at once, one a minute with the count, one at recovery', () => {
    for (let second = 0; second < 180; second++) {
      log.failed(`poll failed: down at ${second} s`);
      now += 1000;
    }
    log.succeeded('polling works again');
    expect(lines).toEqual([
      'error: poll failed: down at 0 s',
      'error: poll failed: down at 60 s (and 59 more times since the last line)',
      'error: poll failed: down at 120 s (and 59 more times since the last line)',
      'log: polling works again after 180 s of failures; 59 failures since the last line',
    ]);
  });

  it('a new outage after a recovery is reported at once', () => {
    log.failed('down');
    now += 1000;
    log.succeeded('up');
    now += 1000;
    log.failed('down again');
    expect(lines).toEqual(['error: down', 'log: up after 1 s of failures', 'error: down again']);
  });
});
