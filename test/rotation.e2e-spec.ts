import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { Session } from '../src/sessions/session.entity';
import { ShortLivedStore } from '../src/state/short-lived.store';
import { KeyRing } from '../src/tokens/key-ring';
import { expectError } from './support/expect-error';
import { enrolledUser, login, recoveryLogin } from './support/flows';
import { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { RELAXED_LIMITS, removeDataDir, startTestApp, type TestApp } from './support/test-app';

/**
 * Rotation without a window: APP_SECRET_PREVIOUS loses its signing
 * authority PREAUTH_TTL after startup, and a revocation lasts as long as the
 * latest access token of its session, whatever JWT_ACCESS_TTL says later or
 * on another instance, also when a refresh races the logout.
 */

jest.setTimeout(60_000);

const distributed = Boolean(process.env.DATABASE_URL_TEST && process.env.REDIS_URL_TEST);
const itDistributed = distributed ? it : it.skip;

const me = (client: HttpsClient, token: string) => client.get('/auth/me', { token });
const refresh = (client: HttpsClient, refreshToken: string) => client.post('/auth/refresh', { body: { refreshToken } });

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** `count` fresh sessions: each enrolled user gives one from enable and ten from its recovery codes. */
async function sessions(client: HttpsClient, count: number): Promise<Tokens[]> {
  const out: Tokens[] = [];
  while (out.length < count) {
    const user = await enrolledUser(client);
    out.push(user);
    for (const code of user.recoveryCodes) {
      if (out.length === count) break;
      const res = await recoveryLogin(client, user.username, user.password, code);
      if (res.status !== 200) throw new Error(`recovery login: ${res.status} ${res.text}`);
      out.push(res.body);
    }
  }
  return out;
}

/**
 * A refresh and a logout of one session. Round 0 is not a race: the refresh
 * completes before the logout starts, so the case a test exists for (a
 * refreshed token whose session is then ended) is checked in every run,
 * whatever the machine's speed makes of the races. In later rounds one starts
 * `round % 3` ms after the other, the refresh first in even rounds, the logout
 * in odd ones, and either may win: the checks hold for both outcomes. With
 * SQLite each request's queries run without yielding to another request, so
 * arrival order decides; on PostgreSQL (the distributed suite) the statements
 * of the two also interleave.
 */
async function race<T>(refreshing: () => Promise<T>, logout: () => Promise<T>, round: number): Promise<[T, T]> {
  if (round === 0) {
    const refreshed = await refreshing();
    return [refreshed, await logout()];
  }
  const [first, second] = round % 2 === 0 ? [refreshing, logout] : [logout, refreshing];
  const started = first();
  const later = sleep(round % 3).then(second);
  const [a, b] = await Promise.all([started, later]);
  return round % 2 === 0 ? [a, b] : [b, a];
}

/** Moves a session's revocation back in the database, standing in for the time between a logout and a restart. */
async function backdateRevocation(t: TestApp, accessToken: string, ms: number): Promise<void> {
  const sid = decodeJwt(accessToken).claims.sid as string;
  await t.app
    .get(DataSource)
    .createQueryBuilder()
    .update(Session)
    .set({ revokedAt: () => `revoked_at - ${ms}` })
    .where('id = :sid AND revoked_at IS NOT NULL', { sid })
    .execute();
}

/** The revocation entry of the token's session outlives the token: remaining lifetime ≥ time to exp. */
async function expectRevokedUntilExpiry(t: TestApp, accessToken: string): Promise<void> {
  const { sid, exp } = decodeJwt(accessToken).claims;
  const entry = await t.app.get(ShortLivedStore).get(`revoked:sid:${sid}`);
  expect(entry).not.toBeNull();
  expect(entry?.ttlMs).toBeGreaterThanOrEqual(exp * 1000 - Date.now());
}

describe('APP_SECRET_PREVIOUS verifies pre-auth tokens only until PREAUTH_TTL after startup', () => {
  const s1 = randomBytes(32).toString('base64url');
  const s2 = randomBytes(32).toString('base64url');
  let t: TestApp | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await t?.close();
    if (dataDir) removeDataDir(dataDir);
  });

  it('a token signed under the old secret works right after the restart, and is refused once the deadline passed', async () => {
    // Under S1, with pre-auth tokens that stay unexpired for five minutes.
    t = await startTestApp({ ...RELAXED_LIMITS, APP_SECRET: s1, PREAUTH_TTL: '300' });
    dataDir = t.dataDir;
    let client = new HttpsClient(t.port, t.ca);
    const user = await enrolledUser(client);
    const early = await login(client, user.username, user.password);
    const late = await login(client, user.username, user.password);
    await t.close();
    t = undefined;

    // Rotated: S2 signs, S1 is previous. PREAUTH_TTL=4: room for the first request after boot, little to wait out.
    t = await startTestApp(
      { ...RELAXED_LIMITS, APP_SECRET: s2, APP_SECRET_PREVIOUS: s1, PREAUTH_TTL: '4' },
      { dataDir },
    );
    client = new HttpsClient(t.port, t.ca);
    const verify = (token: string, recoveryCode: string) =>
      client.post('/auth/2fa/verify', { token, body: { recoveryCode } });

    // Right after the restart: the S1 token finishes its login (a user caught by the rotation is not thrown out).
    const overlap = await verify(early, user.recoveryCodes[0]);
    expect(overlap.status).toBe(200);
    expect((await me(client, overlap.body.accessToken)).status).toBe(200);

    // Wait for the deadline this start set (startup + PREAUTH_TTL).
    const until = t.app.get(KeyRing).previousPreAuthUntil;
    expect(until).toEqual(expect.any(Number));
    await sleep(Math.max(0, Number(until) - Date.now()) + 100);

    // The S1 token is still unexpired by its own exp, yet refused: S1 no longer signs anything.
    expect(decodeJwt(late).claims.exp * 1000).toBeGreaterThan(Date.now());
    expectError(await verify(late, user.recoveryCodes[1]), 401);
    // Control: the same recovery code with a token signed under S2 logs in, so the refusal was the key.
    const now = await verify(await login(client, user.username, user.password), user.recoveryCodes[1]);
    expect(now.status).toBe(200);
  });
});

describe('a revocation lasts until the session’s latest access token expires, whatever JWT_ACCESS_TTL says later', () => {
  let t: TestApp | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    if (dataDir) removeDataDir(dataDir);
    dataDir = undefined;
  });

  async function restart(overrides: Record<string, string>): Promise<HttpsClient> {
    await t?.close();
    t = await startTestApp({ ...RELAXED_LIMITS, ...overrides }, dataDir ? { dataDir } : {});
    dataDir = t.dataDir;
    return new HttpsClient(t.port, t.ca);
  }

  it('a logout at JWT_ACCESS_TTL=900 stays in force after restarts at JWT_ACCESS_TTL=60, shared store or rebuilt in memory', async () => {
    let client = await restart({ JWT_ACCESS_TTL: '900' });
    const user = await enrolledUser(client);
    const other = await recoveryLogin(client, user.username, user.password, user.recoveryCodes[0]);
    expect(other.status).toBe(200);
    expect((await client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
    expectError(await me(client, user.accessToken), 401);
    // Two minutes "pass" before the restart: longer than the new TTL (60 s + skew), far less than the token's 900 s.
    await backdateRevocation(t as TestApp, user.accessToken, 120_000);

    // Same backends (Redis in the distributed suite, rebuilt from the database otherwise).
    client = await restart({ JWT_ACCESS_TTL: '60' });
    expect(decodeJwt(user.accessToken).claims.exp * 1000).toBeGreaterThan(Date.now());
    // Control: a token of the same age from a live session verifies, so the refusal below is the revocation.
    expect((await me(client, other.body.accessToken)).status).toBe(200);
    expectError(await me(client, user.accessToken), 401);

    // In-memory store whatever the suite: the list is rebuilt from the database at boot.
    client = await restart({ JWT_ACCESS_TTL: '60', REDIS_URL: '' });
    expect(t?.config.redis.url).toBeUndefined();
    expect((await me(client, other.body.accessToken)).status).toBe(200);
    expectError(await me(client, user.accessToken), 401);
    expectError(await refresh(client, user.refreshToken), 401);
  });

  it('a session ended before access_expires_at existed is still rebuilt, by JWT_ACCESS_TTL after its end', async () => {
    let client = await restart({});
    const user = await enrolledUser(client);
    expect((await client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
    // What the migration leaves on a session ended before it: no recorded expiry.
    const sid = decodeJwt(user.accessToken).claims.sid as string;
    await (t as TestApp).app.get(DataSource).getRepository(Session).update({ id: sid }, { accessExpiresAt: null });

    client = await restart({ REDIS_URL: '' });
    expectError(await me(client, user.accessToken), 401);
  });

  it('logout after a refresh, then racing it 29 times: any access token the refresh hands out is refused, also after a restart at a lower TTL', async () => {
    let client = await restart({ JWT_ACCESS_TTL: '900' });
    const issued: string[] = [];
    for (const [i, session] of (await sessions(client, 30)).entries()) {
      const [refreshed, logout] = await race(
        () => refresh(client, session.refreshToken),
        () => client.post('/auth/logout', { token: session.accessToken }),
        i,
      );
      expect(logout.status).toBe(204);
      expectError(await me(client, session.accessToken), 401);
      if (refreshed.status !== 200) {
        expectError(refreshed, 401);
        continue;
      }
      expect(decodeJwt(refreshed.body.accessToken).claims.sid).toBe(decodeJwt(session.accessToken).claims.sid);
      expectError(await me(client, refreshed.body.accessToken), 401);
      expectError(await refresh(client, refreshed.body.refreshToken), 401);
      await expectRevokedUntilExpiry(t as TestApp, refreshed.body.accessToken);
      issued.push(refreshed.body.accessToken);
    }
    // At least round 0's refresh succeeded, so the checks above ran.
    expect(issued.length).toBeGreaterThan(0);

    // The expiry a refresh recorded is what a rebuilt list goes by.
    for (const token of issued) await backdateRevocation(t as TestApp, token, 120_000);
    client = await restart({ JWT_ACCESS_TTL: '60', REDIS_URL: '' });
    for (const token of issued) expectError(await me(client, token), 401);
  });

  itDistributed(
    'two instances, refresh at JWT_ACCESS_TTL=900 before and then racing a logout at JWT_ACCESS_TTL=60, 30 rounds: the revocation outlives the refreshed token',
    async () => {
      // A rolling change of JWT_ACCESS_TTL: A still issues 900 s tokens, B already 60 s ones.
      const a = await restart({ JWT_ACCESS_TTL: '900' });
      const instanceB = await startTestApp({ ...RELAXED_LIMITS, JWT_ACCESS_TTL: '60' }, { dataDir });
      let refreshWon = 0;
      try {
        const b = new HttpsClient(instanceB.port, instanceB.ca);
        for (const [i, session] of (await sessions(b, 30)).entries()) {
          const [refreshed, logout] = await race(
            () => refresh(a, session.refreshToken),
            () => b.post('/auth/logout', { token: session.accessToken }),
            i,
          );
          expect(logout.status).toBe(204);
          if (refreshed.status !== 200) {
            expectError(refreshed, 401);
            continue;
          }
          expect(
            decodeJwt(refreshed.body.accessToken).claims.exp - decodeJwt(refreshed.body.accessToken).claims.iat,
          ).toBe(900);
          expectError(await me(a, refreshed.body.accessToken), 401);
          expectError(await me(b, refreshed.body.accessToken), 401);
          await expectRevokedUntilExpiry(instanceB, refreshed.body.accessToken);
          refreshWon += 1;
        }
      } finally {
        await instanceB.close();
      }
      // At least round 0's refresh succeeded, so the checks above ran.
      expect(refreshWon).toBeGreaterThan(0);
    },
  );
});
