import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnrollmentTicketsService } from '../src/enrollment/enrollment-tickets.service';
import { expectError } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, register, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { PASSKEY_ENV, passkeyUser } from './support/passkeys';
import { TcpProxy } from './support/tcp-proxy';
import { RELAXED_LIMITS, removeDataDir, startTestApp, type TestApp } from './support/test-app';
import { ensureTestDatabase } from './support/test-database';
import { freshCode } from './support/totp';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Two instances sharing one PostgreSQL database and one Redis behave as one.
 * Needs DATABASE_URL_TEST and REDIS_URL_TEST (npm run test:distributed, or
 * .ci/run, which starts both services).
 */
const distributed = Boolean(process.env.DATABASE_URL_TEST && process.env.REDIS_URL_TEST);
const describeDistributed = distributed ? describe : describe.skip;

// Starting and stopping a Redis server and waiting for reconnection take seconds.
jest.setTimeout(30_000);

interface Cluster {
  a: TestApp;
  b: TestApp;
  A: HttpsClient;
  B: HttpsClient;
  dataDir: string;
  close(): Promise<void>;
}

/** Two apps on one dataDir: same database, same Redis prefix, same dev secrets. */
async function cluster(overrides: Record<string, string>): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-cluster-'));
  const a = await startTestApp(overrides, { dataDir });
  const b = await startTestApp(overrides, { dataDir });
  expect(a.port).not.toBe(b.port);
  return {
    a,
    b,
    A: new HttpsClient(a.port, a.ca),
    B: new HttpsClient(b.port, b.ca),
    dataDir,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      removeDataDir(dataDir);
    },
  };
}

describeDistributed('two instances, one PostgreSQL and one Redis', () => {
  it('runs on PostgreSQL and Redis, not on the embedded defaults', async () => {
    const c = await cluster(RELAXED_LIMITS);
    try {
      expect(c.a.config.database.url).toMatch(/^postgres/);
      expect(c.a.config.redis.url).toMatch(/^redis/);
      expect(c.a.config.database.url).toBe(c.b.config.database.url);
    } finally {
      await c.close();
    }
  });

  describe('accounts, codes and sessions are shared', () => {
    let c: Cluster;
    beforeAll(async () => {
      c = await cluster(RELAXED_LIMITS);
    });
    afterAll(() => c.close());

    it('register on A, enroll on A, log in on B', async () => {
      const user = await enrolledUser(c.A);
      const preAuth = await login(c.B, user.username, user.password);
      const verify = await c.B.post('/auth/2fa/verify', {
        token: preAuth,
        body: { code: freshCode(user.secret, user.lastStep).code },
      });
      expect(verify.status).toBe(200);
      expect((await c.B.get('/auth/me', { token: verify.body.accessToken })).body.username).toBe(user.username);
      expect((await c.A.get('/auth/me', { token: verify.body.accessToken })).status).toBe(200);
    });

    it('a code accepted on A is refused on B', async () => {
      const user = await enrolledUser(c.A);
      const next = freshCode(user.secret, user.lastStep);
      const onA = await c.A.post('/auth/2fa/verify', {
        token: await login(c.A, user.username, user.password),
        body: { code: next.code },
      });
      expect(onA.status).toBe(200);
      const onB = await c.B.post('/auth/2fa/verify', {
        token: await login(c.B, user.username, user.password),
        body: { code: next.code },
      });
      expect(onB.status).toBe(401);
    });

    it('the same code sent to A and B at the same moment: exactly one 200', async () => {
      const user = await enrolledUser(c.A);
      const [tokenA, tokenB] = [
        await login(c.A, user.username, user.password),
        await login(c.B, user.username, user.password),
      ];
      const { code } = freshCode(user.secret, user.lastStep);
      const results = await Promise.all([
        c.A.post('/auth/2fa/verify', { token: tokenA, body: { code } }),
        c.B.post('/auth/2fa/verify', { token: tokenB, body: { code } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('a pre-auth token exchanged on A is dead on B', async () => {
      const user = await enrolledUser(c.A);
      const token = await login(c.A, user.username, user.password);
      const next = freshCode(user.secret, user.lastStep);
      expect((await c.A.post('/auth/2fa/verify', { token, body: { code: next.code } })).status).toBe(200);
      expect((await c.B.post('/auth/2fa/setup', { token })).status).toBe(401);
    });

    it('logout on A refuses that access token on B at once', async () => {
      const user = await enrolledUser(c.A);
      expect((await c.B.get('/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await c.A.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
      expect((await c.B.get('/auth/me', { token: user.accessToken })).status).toBe(401);
      expect((await c.B.post('/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401);
    });

    it('a session ended on A (DELETE /auth/sessions/:id) is refused on B at once, and listed on neither', async () => {
      const user = await enrolledUser(c.A);
      const other = await recoveryLogin(c.B, user.username, user.password, user.recoveryCodes[0]);
      expect(other.status).toBe(200);
      const sid = decodeJwt(other.body.accessToken).claims.sid as string;
      // B has accepted (and cached) the token before the end.
      expect((await c.B.get('/auth/me', { token: other.body.accessToken })).status).toBe(200);
      expect((await c.B.get('/auth/sessions', { token: user.accessToken })).body).toHaveLength(2);

      expect((await c.A.send('DELETE', `/auth/sessions/${sid}`, { token: user.accessToken })).status).toBe(204);
      expect((await c.B.get('/auth/me', { token: other.body.accessToken })).status).toBe(401);
      expect((await c.B.post('/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status).toBe(401);
      for (const instance of [c.A, c.B]) {
        const listed = await instance.get('/auth/sessions', { token: user.accessToken });
        expect(listed.body.map((s: { id: string }) => s.id)).toEqual([decodeJwt(user.accessToken).claims.sid]);
      }
    });

    it('refresh-token reuse is detected across instances', async () => {
      const user = await enrolledUser(c.A);
      const rotated = await c.A.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect(rotated.status).toBe(200);
      // The old token again, on the other instance: theft, the session ends everywhere.
      expect((await c.B.post('/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401);
      expect((await c.A.post('/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } })).status).toBe(401);
      expect((await c.A.get('/auth/me', { token: rotated.body.accessToken })).status).toBe(401);
    });
  });

  it('login attempts spread over A and B hit one shared per-address limit', async () => {
    const c = await cluster({ ...RELAXED_LIMITS, RATE_LIMIT_LOGIN: '4/60' });
    try {
      const body = { username: uniqueUsername(), password: STRONG_PASSWORD };
      const statuses: number[] = [];
      for (const client of [c.A, c.B, c.A, c.B, c.A, c.B])
        statuses.push((await client.post('/auth/login', { body })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    } finally {
      await c.close();
    }
  });

  it('20 concurrent logins over both instances against a limit of 5: exactly 5 through', async () => {
    const c = await cluster({ ...RELAXED_LIMITS, RATE_LIMIT_LOGIN: '5/60' });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? c.A : c.B).post('/auth/login', { body: { username: uniqueUsername(), password: STRONG_PASSWORD } }),
        ),
      );
      expect(results.filter((r) => r.status !== 429)).toHaveLength(5);
    } finally {
      await c.close();
    }
  });

  it('the account lockout is shared: failures on A and B lock the account on both', async () => {
    const c = await cluster({ ...RELAXED_LIMITS, LOCKOUT_THRESHOLD: '4' });
    try {
      const { username } = await register(c.A);
      for (const client of [c.A, c.B, c.A, c.B]) {
        expect(
          (await client.post('/auth/login', { body: { username, password: 'wrong password, long enough' } })).status,
        ).toBe(401);
      }
      for (const client of [c.A, c.B]) {
        const res = await client.post('/auth/login', { body: { username, password: STRONG_PASSWORD } });
        expect(res.status).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    } finally {
      await c.close();
    }
  });

  it("device counters are shared too: locked on A, the owner's device logs in on B; its failures on A lock it on B", async () => {
    const c = await cluster({ ...RELAXED_LIMITS, LOCKOUT_THRESHOLD: '4' });
    try {
      const alice = await enrolledUser(c.A);
      const wrong = { username: alice.username, password: 'wrong password, long enough' };
      for (const client of [c.A, c.B, c.A, c.B])
        expect((await client.post('/auth/login', { body: wrong })).status).toBe(401);
      expect(
        (await c.B.post('/auth/login', { body: { username: alice.username, password: alice.password } })).status,
      ).toBe(429);

      // The device's login on B: password (with the device token) on B, code on A.
      const first = await c.B.post('/auth/login', {
        body: { username: alice.username, password: alice.password, deviceToken: alice.deviceToken },
      });
      expect(first.status).toBe(200);
      const { code } = freshCode(alice.secret, alice.lastStep);
      const second = await c.A.post('/auth/2fa/verify', { token: first.body.preAuthToken, body: { code } });
      expect(second.status).toBe(200);
      const device = second.body.deviceToken as string;

      // Someone guessing with that device token on A locks the device on B, and only it.
      for (let i = 0; i < 4; i += 1) {
        expect((await c.A.post('/auth/login', { body: { ...wrong, deviceToken: device } })).status).toBe(401);
      }
      expect(
        (
          await c.B.post('/auth/login', {
            body: { username: alice.username, password: alice.password, deviceToken: device },
          })
        ).status,
      ).toBe(429);
    } finally {
      await c.close();
    }
  });

  it('an enrollment ticket replaced on A cannot enroll on B; a pre-auth token from before a reset on B is stale on A', async () => {
    const c = await cluster(RELAXED_LIMITS);
    try {
      const user = await register(c.A);
      const token = await login(c.B, user.username, user.password);
      const pending = await c.B.post('/auth/2fa/setup', { token, body: { enrollmentTicket: user.enrollmentTicket } });
      expect(pending.status).toBe(200);
      await c.a.app.get(EnrollmentTicketsService).issue(user.id);
      const enable = await c.B.post('/auth/2fa/enable', {
        token,
        body: { code: freshCode(pending.body.secret, null).code },
      });
      expectError(enable, 403, 'An enrollment ticket is required');

      const reset = await enrolledUser(c.A);
      const stale = await login(c.A, reset.username, reset.password);
      const resetRes = await c.B.post('/auth/2fa/reset', {
        token: reset.accessToken,
        body: { password: reset.password, code: freshCode(reset.secret, reset.lastStep).code },
      });
      expect(resetRes.status).toBe(200);
      expectError(
        await c.A.post('/auth/2fa/setup', { token: stale, body: { enrollmentTicket: resetRes.body.enrollmentTicket } }),
        401,
      );
    } finally {
      await c.close();
    }
  });

  it('a passkey challenge (login, passwordless, step-up) issued by A is answered on B; one answered on A is refused on B', async () => {
    const c = await cluster({ ...RELAXED_LIMITS, ...PASSKEY_ENV });
    try {
      const user = await passkeyUser(c.A);
      const token = await login(c.A, user.username, user.password);
      const fromA = await c.A.post('/auth/webauthn/authenticate/options', { token });
      const onB = await c.B.post('/auth/webauthn/authenticate/verify', {
        token,
        body: { response: user.authenticator.assert(fromA.body) },
      });
      expect(onB.status).toBe(200);

      // Passwordless (the challenge bound to the client address): used on A, then replayed on B.
      const options = await c.A.post('/auth/webauthn/login/options');
      const response = user.authenticator.assert(options.body);
      expect((await c.A.post('/auth/webauthn/login/verify', { body: { response } })).status).toBe(200);
      expectError(await c.B.post('/auth/webauthn/login/verify', { body: { response } }), 401);
      // A fresh challenge from B, answered on A: the store is shared.
      const fromB = await c.B.post('/auth/webauthn/login/options');
      const viaA = await c.A.post('/auth/webauthn/login/verify', {
        body: { response: user.authenticator.assert(fromB.body) },
      });
      expect(viaA.status).toBe(200);

      // Step-up: options from A answered on B (a fresh token on both), then replayed on A; the session row is
      // shared, so a refresh on A carries the step-up's auth_time and acr.
      const stepUpOptions = await c.A.post('/auth/step-up/webauthn/options', { token: user.accessToken });
      const stepUpResponse = user.authenticator.assert(stepUpOptions.body);
      const steppedUp = await c.B.post('/auth/step-up', {
        token: user.accessToken,
        body: { response: stepUpResponse },
      });
      expect(steppedUp.status).toBe(200);
      expectError(
        await c.A.post('/auth/step-up', { token: user.accessToken, body: { response: stepUpResponse } }),
        401,
      );
      const claims = decodeJwt(steppedUp.body.accessToken).claims;
      expect(claims).toMatchObject({ amr: ['hwk'], acr: 'urn:nest-2fa-api:acr:phr' });
      const refreshed = await c.A.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect(decodeJwt(refreshed.body.accessToken).claims).toMatchObject({
        auth_time: claims.auth_time,
        amr: ['hwk'],
      });
    } finally {
      await c.close();
    }
  });

  it('security webhooks: two instances polling one outbox deliver each event once, in order per user', async () => {
    const receiver = await WebhookReceiver.start();
    const c = await cluster({ ...RELAXED_LIMITS, ...receiver.env() });
    try {
      // Refused at first, so due rows pile up and both workers poll them over and over.
      receiver.answerWith(503);
      const users = [];
      for (let i = 0; i < 6; i += 1) {
        const user = await enrolledUser(i % 2 === 0 ? c.A : c.B);
        users.push({ ...user, id: (await c.A.get('/auth/me', { token: user.accessToken })).body.id as string });
      }
      await receiver.until(() => receiver.received.length >= 20);
      receiver.answerWith(200);
      for (const user of users) {
        const events = await receiver.eventsFor(user.id, 2);
        expect(events.map((e) => e.type)).toEqual(['auth.2fa.enrolled', 'auth.login.new_device']);
      }
      const ids = receiver.delivered().map((payload) => payload.id);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
    } finally {
      await c.close();
      await receiver.close();
    }
  });
});

describeDistributed('startup and the database', () => {
  it('two instances starting at the same moment on an empty database apply each migration once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-cluster-'));
    const [a, b] = await Promise.all([
      startTestApp(RELAXED_LIMITS, { dataDir }),
      startTestApp(RELAXED_LIMITS, { dataDir }),
    ]);
    try {
      const { DataSource } = await import('typeorm');
      const rows: { name: string }[] = await a.app.get(DataSource).query('SELECT name FROM migrations');
      const names = rows.map((row) => row.name);
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      expect((await new HttpsClient(b.port, b.ca).get('/health')).status).toBe(200);
    } finally {
      await Promise.all([a.close(), b.close()]);
      removeDataDir(dataDir);
    }
  });

  it('answers 503 while the database is unreachable, and recovers by itself', async () => {
    const base = new URL(process.env.DATABASE_URL_TEST as string);
    const proxy = await TcpProxy.start(base.hostname, Number(base.port || 5432));
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-dbdown-'));
    const url = new URL(await ensureTestDatabase(base.toString(), 'dbdown_' + Date.now().toString(36)));
    url.host = `127.0.0.1:${proxy.port}`;
    const t = await startTestApp({ ...RELAXED_LIMITS, DATABASE_URL: url.toString() }, { dataDir });
    const client = new HttpsClient(t.port, t.ca);
    try {
      const user = await enrolledUser(client);
      await proxy.cut();
      // Liveness probes each dependency at most once per second: it says so within that second.
      await waitFor(async () => (await client.get('/health')).status === 503);
      for (const res of [
        await client.get('/health'),
        await client.post('/auth/login', { body: { username: user.username, password: user.password } }),
        await client.get('/auth/me', { token: user.accessToken }),
      ]) {
        expectError(res, 503, /database/);
      }
      await proxy.resume();
      await waitFor(async () => (await client.get('/health')).status === 200);
      expect((await client.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    } finally {
      await proxy.resume();
      await t.close();
      await proxy.cut();
      removeDataDir(dataDir);
    }
  });
});

describeDistributed('Redis down: fail closed, recover by itself', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  let t: TestApp;
  let client: HttpsClient;

  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitFor(async () => (await client?.get('/health'))?.status === 200 || !client);
  };
  const stopRedis = async () => {
    const child = redis;
    if (!child) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
    redis = undefined;
  };

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    await sleep(300);
    t = await startTestApp({ ...RELAXED_LIMITS, REDIS_URL: `redis://127.0.0.1:${port}` });
    client = new HttpsClient(t.port, t.ca);
    await waitFor(async () => (await client.get('/health')).status === 200);
  });
  afterAll(async () => {
    await t?.close();
    await stopRedis();
    removeDataDir(t.dataDir);
  });

  it('answers 503 in the error shape while Redis is down, lets nothing through, then recovers', async () => {
    const user = await enrolledUser(client);
    expect((await client.get('/auth/me', { token: user.accessToken })).status).toBe(200);

    await stopRedis();
    // Liveness probes each dependency at most once per second: it says so within that second.
    await waitFor(async () => (await client.get('/health')).status === 503);
    const checks = [
      await client.post('/auth/login', { body: { username: user.username, password: user.password } }),
      await client.get('/auth/me', { token: user.accessToken }),
      await client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } }),
      await client.get('/health'),
    ];
    for (const res of checks) {
      expectError(res, 503, /redis/);
      expect(res.text).not.toMatch(/\n\s+at /);
    }

    await startRedis();
    await waitFor(async () => (await client.get('/health')).status === 200);
    expect((await client.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    expect(
      (await client.post('/auth/login', { body: { username: user.username, password: user.password } })).status,
    ).toBe(200);
  });

  it('an instance restarted while Redis is down (after a recent logout) still starts, answers 503, then serves', async () => {
    const user = await enrolledUser(client);
    expect((await client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
    await stopRedis();
    // Same data directory: same database, with a session revoked moments ago to reload at boot.
    const again = await startTestApp(
      { ...RELAXED_LIMITS, REDIS_URL: `redis://127.0.0.1:${port}` },
      { dataDir: t.dataDir },
    );
    const againClient = new HttpsClient(again.port, again.ca);
    try {
      expect((await againClient.get('/health')).status).toBe(503);
      await startRedis();
      await waitFor(async () => (await againClient.get('/health')).status === 200);
      expect(
        (await againClient.post('/auth/login', { body: { username: user.username, password: user.password } })).status,
      ).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('RATE_LIMIT_FAIL_OPEN=true serves public routes un-throttled while Redis is down; lockout still fails closed', async () => {
    const open = await startTestApp({
      ...RELAXED_LIMITS,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMIT_FAIL_OPEN: 'true',
    });
    const openClient = new HttpsClient(open.port, open.ca);
    try {
      await waitFor(async () => (await openClient.get('/health')).status === 200);
      await stopRedis();
      expect((await openClient.get('/.well-known/jwks.json')).status).toBe(200);
      expect((await client.get('/.well-known/jwks.json')).status).toBe(503);
      const login = await openClient.post('/auth/login', { body: { username: 'someone', password: STRONG_PASSWORD } });
      expect(login.status).toBe(503);
    } finally {
      await startRedis();
      await open.close();
      removeDataDir(open.dataDir);
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i += 1) {
    try {
      if (await condition()) return;
    } catch {
      // Not up yet.
    }
    await sleep(100);
  }
  throw new Error('condition not met after bounded retries');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
