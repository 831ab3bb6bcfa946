import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expectError, expectTooMany } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, type EnrolledUser } from './support/flows';
import { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { RELAXED_LIMITS, removeDataDir, startTestApp, useTestApp, type TestApp } from './support/test-app';
import { freshCode } from './support/totp';

/**
 * Sessions over HTTPS: rotating refresh tokens with reuse detection, logout,
 * logout everywhere, idle and absolute expiry, the refresh route's limits,
 * and a logout that survives a restart. Waits only let a short TTL pass;
 * no assertion is about how long anything took.
 */

const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What /auth/2fa/verify and /auth/refresh answer with: a new access token and a new refresh token. */
const TOKEN_PAIR = {
  accessToken: expect.any(String),
  refreshToken: expect.stringMatching(REFRESH_TOKEN),
  tokenType: 'Bearer',
  expiresIn: 900,
};

const refresh = (client: HttpsClient, refreshToken: unknown) =>
  client.post('/auth/refresh', { body: { refreshToken } });
const me = (client: HttpsClient, token: string) => client.get('/auth/me', { token });

describe('sessions', () => {
  const app = useTestApp();

  describe('login hands out a session', () => {
    it('enable and verify each return a 43-character base64url refresh token and an access token with a sid', async () => {
      const user = await enrolledUser(app.client);
      expect(user.refreshToken).toMatch(REFRESH_TOKEN);
      expect(decodeJwt(user.accessToken).claims.sid).toMatch(UUID);

      const preAuthToken = await login(app.client, user.username, user.password);
      const { code } = freshCode(user.secret, user.lastStep);
      const verify = await app.client.post('/auth/2fa/verify', { token: preAuthToken, body: { code } });
      expect(verify.status).toBe(200);
      expect(verify.body).toEqual({ ...TOKEN_PAIR, deviceToken: expect.stringMatching(REFRESH_TOKEN) });
      // A second login is a second session: its own sid, its own refresh token.
      expect(decodeJwt(verify.body.accessToken).claims.sid).toMatch(UUID);
      expect(decodeJwt(verify.body.accessToken).claims.sid).not.toBe(decodeJwt(user.accessToken).claims.sid);
      expect(verify.body.refreshToken).not.toBe(user.refreshToken);
    });
  });

  describe('POST /auth/refresh', () => {
    it('is public, returns a new token pair, rotates the refresh token and keeps the session', async () => {
      const user = await enrolledUser(app.client);
      const res = await refresh(app.client, user.refreshToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(TOKEN_PAIR);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.refreshToken).not.toBe(user.refreshToken);
      expect(res.body.accessToken).not.toBe(user.accessToken);
      expect(decodeJwt(res.body.accessToken).claims.sid).toBe(decodeJwt(user.accessToken).claims.sid);

      const who = await me(app.client, res.body.accessToken);
      expect(who.status).toBe(200);
      expect(who.body.username).toBe(user.username);

      // The new refresh token rotates in turn.
      const again = await refresh(app.client, res.body.refreshToken);
      expect(again.status).toBe(200);
      expect(again.body.refreshToken).not.toBe(res.body.refreshToken);
    });

    it('reuse of a rotated refresh token → 401, and the whole session is revoked', async () => {
      const user = await enrolledUser(app.client);
      const first = await refresh(app.client, user.refreshToken);
      expect(first.status).toBe(200);
      const second = await refresh(app.client, first.body.refreshToken);
      expect(second.status).toBe(200);
      // Control: before the reuse, every access token of the session works.
      for (const token of [user.accessToken, first.body.accessToken, second.body.accessToken]) {
        expect((await me(app.client, token)).status).toBe(200);
      }

      // The attacker (or the victim) presents the already rotated token.
      expectError(await refresh(app.client, user.refreshToken), 401);

      // The newest refresh token, never used, is dead too.
      expectError(await refresh(app.client, second.body.refreshToken), 401);
      // And so is every access token of the session, long before exp.
      for (const token of [user.accessToken, first.body.accessToken, second.body.accessToken]) {
        expectError(await me(app.client, token), 401);
      }
    });

    it('reuse ends only that session: another session of the same user keeps working', async () => {
      const user = await enrolledUser(app.client);
      const other = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]);
      expect(other.status).toBe(200);
      expect((await refresh(app.client, user.refreshToken)).status).toBe(200);
      expectError(await refresh(app.client, user.refreshToken), 401);
      expectError(await me(app.client, user.accessToken), 401);

      expect((await me(app.client, other.body.accessToken)).status).toBe(200);
      expect((await refresh(app.client, other.body.refreshToken)).status).toBe(200);
    });

    it('two concurrent refreshes with the same token: at most one 200, and the session ends up revoked', async () => {
      const user = await enrolledUser(app.client);
      const results = await Promise.all([
        refresh(app.client, user.refreshToken),
        refresh(app.client, user.refreshToken),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect([
        [200, 401],
        [401, 401],
      ]).toContainEqual(statuses);
      results.filter((r) => r.status === 401).forEach((res) => expectError(res, 401));

      // Whoever won holds a refresh token and an access token of a revoked session.
      for (const winner of results.filter((r) => r.status === 200)) {
        expectError(await refresh(app.client, winner.body.refreshToken), 401);
        expectError(await me(app.client, winner.body.accessToken), 401);
      }
      expectError(await me(app.client, user.accessToken), 401);
      expectError(await refresh(app.client, user.refreshToken), 401);
    });

    it.each([
      ['a short token', 'abc'],
      ['44 characters', 'A'.repeat(44)],
      ['42 characters', 'A'.repeat(42)],
      ['standard base64 characters', `${'A'.repeat(41)}+/`],
      ['padding', `${'A'.repeat(42)}=`],
      ['a number', 12345],
      ['null', null],
      ['an object', { token: 'A'.repeat(43) }],
    ])('a malformed refresh token (%s) → 400', async (_name, value) => {
      const res = await refresh(app.client, value);
      expectError(res, 400);
    });

    it('no refreshToken at all, or an unknown field → 400', async () => {
      expect((await app.client.post('/auth/refresh', { body: {} })).status).toBe(400);
      const extra = await app.client.post('/auth/refresh', {
        body: { refreshToken: randomBytes(32).toString('base64url'), sid: 'x' },
      });
      expect(extra.status).toBe(400);
    });

    it('an unknown, well-formed refresh token → 401', async () => {
      expectError(await refresh(app.client, randomBytes(32).toString('base64url')), 401);
    });

    it('an access token is not a refresh token → 400', async () => {
      const user = await enrolledUser(app.client);
      expect((await refresh(app.client, user.accessToken)).status).toBe(400);
    });
  });

  describe('POST /auth/logout', () => {
    it('→ 204; then its access token and refresh token → 401, while another session of the user works', async () => {
      const user = await enrolledUser(app.client);
      const other = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]);
      expect(other.status).toBe(200);
      const rotated = await refresh(app.client, user.refreshToken);
      expect(rotated.status).toBe(200);

      const res = await app.client.post('/auth/logout', { token: rotated.body.accessToken });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');

      expectError(await me(app.client, rotated.body.accessToken), 401);
      expectError(await me(app.client, user.accessToken), 401);
      expectError(await refresh(app.client, rotated.body.refreshToken), 401);

      expect((await me(app.client, other.body.accessToken)).status).toBe(200);
      const otherRefresh = await refresh(app.client, other.body.refreshToken);
      expect(otherRefresh.status).toBe(200);
      expect((await me(app.client, otherRefresh.body.accessToken)).status).toBe(200);
    });

    it('needs an access token: none, a pre-auth token or an ended session → 401', async () => {
      const user = await enrolledUser(app.client);
      expectError(await app.client.post('/auth/logout'), 401);
      const preAuthToken = await login(app.client, user.username, user.password);
      expectError(await app.client.post('/auth/logout', { token: preAuthToken }), 401);
      expect((await app.client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
      expectError(await app.client.post('/auth/logout', { token: user.accessToken }), 401);
    });
  });

  describe('POST /auth/logout-all', () => {
    it("→ 204 and ends every session of the user (access and refresh), not other users'", async () => {
      const alice = await enrolledUser(app.client);
      const bob = await enrolledUser(app.client);
      const second = await recoveryLogin(app.client, alice.username, alice.password, alice.recoveryCodes[0]);
      const third = await recoveryLogin(app.client, alice.username, alice.password, alice.recoveryCodes[1]);
      expect([second.status, third.status]).toEqual([200, 200]);
      const aliceSessions = [
        { accessToken: alice.accessToken, refreshToken: alice.refreshToken },
        second.body as { accessToken: string; refreshToken: string },
        third.body as { accessToken: string; refreshToken: string },
      ];
      for (const session of aliceSessions) expect((await me(app.client, session.accessToken)).status).toBe(200);

      const res = await app.client.post('/auth/logout-all', { token: second.body.accessToken });
      expect(res.status).toBe(204);

      for (const session of aliceSessions) {
        expectError(await me(app.client, session.accessToken), 401);
        expectError(await refresh(app.client, session.refreshToken), 401);
      }
      // Bob is untouched.
      expect((await me(app.client, bob.accessToken)).status).toBe(200);
      expect((await refresh(app.client, bob.refreshToken)).status).toBe(200);
      // Alice can log in again: logout-all ends sessions, not the account.
      const fresh = await recoveryLogin(app.client, alice.username, alice.password, alice.recoveryCodes[2]);
      expect(fresh.status).toBe(200);
      expect((await me(app.client, fresh.body.accessToken)).status).toBe(200);
    });
  });
});

describe('session expiry (SESSION_IDLE_TTL=2, REFRESH_TTL=3)', () => {
  const app = useTestApp({ SESSION_IDLE_TTL: '2', REFRESH_TTL: '3' });

  it('a session unused for longer than SESSION_IDLE_TTL ends: its refresh token → 401', async () => {
    const user = await enrolledUser(app.client);
    // Control: used at once, the refresh token works.
    const early = await refresh(app.client, user.refreshToken);
    expect(early.status).toBe(200);
    await sleep(2500);
    expectError(await refresh(app.client, early.body.refreshToken), 401);
    // The session is over: trying again does not revive it.
    expectError(await refresh(app.client, early.body.refreshToken), 401);
  }, 15_000);

  it('a session refreshed every second still ends REFRESH_TTL after login', async () => {
    const user = await enrolledUser(app.client);
    // The session was created before this point: it ends at the latest 3 s after it.
    const enrolledAt = Date.now();
    let token = user.refreshToken;
    for (const at of [1000, 2000]) {
      await sleep(enrolledAt + at - Date.now());
      const res = await refresh(app.client, token);
      expect(res.status).toBe(200);
      token = res.body.refreshToken;
    }
    // Past the absolute end, but about a second after the last refresh, well inside the idle TTL.
    await sleep(enrolledAt + 3200 - Date.now());
    expectError(await refresh(app.client, token), 401);
  }, 15_000);
});

describe('POST /auth/refresh is limited by the login bucket (RATE_LIMIT_LOGIN=3/60)', () => {
  const app = useTestApp({ RATE_LIMIT_LOGIN: '3/60' });

  it('3 guesses, then 429 with Retry-After, even for a malformed token', async () => {
    const c = app.client.as('127.0.0.31');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await refresh(c, randomBytes(32).toString('base64url'))).status);
    expect(statuses).toEqual([401, 401, 401]);
    expectTooMany(await refresh(c, randomBytes(32).toString('base64url')), 60);
    expectTooMany(await refresh(c, 'malformed'), 60);
    // Another client address has its own budget.
    expectError(await refresh(app.client.as('127.0.0.32'), randomBytes(32).toString('base64url')), 401);
  });

  it('shares the budget with /auth/login', async () => {
    const c = app.client.as('127.0.0.33');
    for (let i = 0; i < 3; i += 1) {
      const res = await c.post('/auth/login', { body: { username: 'nobody.here', password: 'not the password' } });
      expect(res.status).toBe(401);
    }
    expectTooMany(await refresh(c, randomBytes(32).toString('base64url')), 60);
  });
});

describe('a logout survives a restart', () => {
  let t: TestApp | undefined;
  let dataDir: string;

  afterAll(async () => {
    await t?.close();
    if (dataDir) removeDataDir(dataDir);
  });

  it('the revocation list is rebuilt from the database at boot: the logged-out access token stays refused', async () => {
    t = await startTestApp({ ...RELAXED_LIMITS });
    dataDir = t.dataDir;
    let client = new HttpsClient(t.port, t.ca);
    const user: EnrolledUser = await enrolledUser(client);
    const other = await recoveryLogin(client, user.username, user.password, user.recoveryCodes[0]);
    expect(other.status).toBe(200);
    expect((await client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
    expectError(await me(client, user.accessToken), 401);
    await t.close();
    t = undefined;

    t = await startTestApp({ ...RELAXED_LIMITS }, { dataDir });
    client = new HttpsClient(t.port, t.ca);
    // Control: an access token from before the restart still verifies (same key, same kid)…
    expect((await me(client, other.body.accessToken)).status).toBe(200);
    // …so the refusal is the revocation, remembered across the restart.
    expectError(await me(client, user.accessToken), 401);
    expectError(await refresh(client, user.refreshToken), 401);
  }, 30_000);
});
