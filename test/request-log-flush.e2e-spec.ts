import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from './support/server-process';
import { removeDataDir } from './support/test-app';

/**
 * Request lines go through a buffered, asynchronous destination (no request
 * waits for the write of its line). Buffering must not lose them: a burst of
 * requests right before a SIGTERM leaves every line on stdout.
 */
describe('request lines are buffered, never lost on SIGTERM', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-request-log-'));
  afterAll(() => removeDataDir(dataDir));

  it('a burst of requests, then SIGTERM at once: a "request completed" line for every one of them', async () => {
    const server = await startServerProcess(dataDir, { LOG_LEVEL: 'info', RATE_LIMIT_DEFAULT: '100000/60' });
    const ids: string[] = [];
    try {
      for (let batch = 0; batch < 20; batch += 1) {
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, i) => server.client.get(i % 2 === 0 ? '/health' : '/no-such-route')),
        );
        for (const res of responses) ids.push(String(res.headers['x-request-id']));
      }
      expect([0, 'SIGTERM']).toContain(await server.stop('SIGTERM'));
    } finally {
      server.child.kill('SIGKILL');
    }
    const logged = new Set(
      server
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg?: string; requestId?: string })
        .filter((line) => line.msg === 'request completed')
        .map((line) => line.requestId),
    );
    expect(ids).toHaveLength(200);
    expect(ids.filter((id) => !logged.has(id))).toEqual([]);
  }, 90_000);
});
