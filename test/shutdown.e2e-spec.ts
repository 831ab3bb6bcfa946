import { STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { HttpsClient } from './support/https-client';
import { RELAXED_LIMITS, removeDataDir, startTestApp } from './support/test-app';

describe('graceful shutdown', () => {
  it('finishes the requests in flight, then stops accepting connections', async () => {
    const t = await startTestApp({ ...RELAXED_LIMITS });
    const client = new HttpsClient(t.port, t.ca);
    try {
      // Logins are slow on purpose (argon2id, a few at a time): still running when close() starts.
      const inFlight = Array.from({ length: 6 }, () =>
        client.post('/auth/login', { body: { username: uniqueUsername(), password: STRONG_PASSWORD } }),
      );
      await untilConnections(t.app.getHttpServer(), inFlight.length);
      await t.close();
      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
      await expect(client.get('/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      removeDataDir(t.dataDir);
    }
  });
});

/** Waits (bounded) until the server holds `count` connections, so close() surely finds them in flight. */
async function untilConnections(
  server: { getConnections(cb: (error: Error | null, count: number) => void): void },
  count: number,
) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const open = await new Promise<number>((resolve) => server.getConnections((_error, n) => resolve(n)));
    if (open >= count) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`the server never held ${count} connections`);
}
