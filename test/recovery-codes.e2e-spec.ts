import { randomInt } from 'node:crypto';
import { expectError } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, type EnrolledUser } from './support/flows';
import type { HttpsClient } from './support/https-client';
import { agedTokens, FRESHNESS_CHALLENGE } from './support/step-up';
import { useTestApp } from './support/test-app';
import { freshCode, totpAt, wrongCode } from './support/totp';

/**
 * One-time recovery codes: issued at enrollment, usable instead of a TOTP
 * code at /auth/2fa/verify, each exactly once, counted against the pre-auth
 * budget and the account lockout like any code, and replaceable by a
 * logged-in user who proves a current TOTP code.
 */

const RECOVERY_CODE = /^[a-z2-7]{5}-[a-z2-7]{5}$/;

/** A well-formed recovery code that is none of `taken`. */
function wrongRecoveryCode(taken: string[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  for (;;) {
    let code = '';
    for (let i = 0; i < 10; i += 1) code += alphabet[randomInt(alphabet.length)];
    const dashed = `${code.slice(0, 5)}-${code.slice(5)}`;
    if (!taken.includes(dashed)) return dashed;
  }
}

const verify = (client: HttpsClient, token: string, body: unknown) => client.post('/auth/2fa/verify', { token, body });

describe('recovery codes', () => {
  const app = useTestApp();

  it('enable returns 10 distinct xxxxx-xxxxx codes, different for every user', async () => {
    const alice = await enrolledUser(app.client);
    const bob = await enrolledUser(app.client);
    for (const codes of [alice.recoveryCodes, bob.recoveryCodes]) {
      expect(codes).toHaveLength(10);
      for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
      expect(new Set(codes).size).toBe(10);
    }
    expect(alice.recoveryCodes.filter((code) => bob.recoveryCodes.includes(code))).toEqual([]);
  });

  describe('at /auth/2fa/verify', () => {
    let user: EnrolledUser;
    beforeAll(async () => {
      user = await enrolledUser(app.client);
    });

    it('a code logs in once: 200 with recoveryCodesRemaining 9, then 401 with a new pre-auth token', async () => {
      const res = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^[\w-]{43}$/),
        tokenType: 'Bearer',
        expiresIn: 900,
        deviceToken: expect.stringMatching(/^[\w-]{43}$/),
        recoveryCodesRemaining: 9,
      });
      const me = await app.client.get('/auth/me', { token: res.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(user.username);

      const reused = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]);
      expectError(reused, 401, 'Invalid code');

      // The next code counts down further.
      const next = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[1]);
      expect(next.status).toBe(200);
      expect(next.body.recoveryCodesRemaining).toBe(8);
    });

    it('ignores case and the dash: upper case without the dash works, once', async () => {
      const code = user.recoveryCodes[2];
      const typed = code.toUpperCase().replace('-', '');
      expect(typed).toMatch(/^[A-Z2-7]{10}$/);
      const res = await recoveryLogin(app.client, user.username, user.password, typed);
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodesRemaining).toBe(7);
      // Used, whatever the spelling.
      expectError(await recoveryLogin(app.client, user.username, user.password, code), 401);
      expectError(await recoveryLogin(app.client, user.username, user.password, code.replace('-', '')), 401);
    });

    it("another user's code does not work", async () => {
      const other = await enrolledUser(app.client);
      expectError(await recoveryLogin(app.client, user.username, user.password, other.recoveryCodes[0]), 401);
      // …and was not spent by the attempt.
      expect((await recoveryLogin(app.client, other.username, other.password, other.recoveryCodes[0])).status).toBe(
        200,
      );
    });

    it('two concurrent uses of the same code with two pre-auth tokens → exactly one 200', async () => {
      const fresh = await enrolledUser(app.client);
      const [a, b] = [
        await login(app.client, fresh.username, fresh.password),
        await login(app.client, fresh.username, fresh.password),
      ];
      const code = fresh.recoveryCodes[0];
      const results = await Promise.all([
        verify(app.client, a, { recoveryCode: code }),
        verify(app.client, b, { recoveryCode: code }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      expect(results.find((r) => r.status === 200)?.body.recoveryCodesRemaining).toBe(9);
    });

    it('both code and recoveryCode → 400, and nothing is spent', async () => {
      const fresh = await enrolledUser(app.client);
      const token = await login(app.client, fresh.username, fresh.password);
      const { code } = freshCode(fresh.secret, fresh.lastStep);
      const res = await verify(app.client, token, { code, recoveryCode: fresh.recoveryCodes[0] });
      expectError(res, 400, /either code or recoveryCode/);
      const ok = await verify(app.client, token, { recoveryCode: fresh.recoveryCodes[0] });
      expect(ok.status).toBe(200);
      expect(ok.body.recoveryCodesRemaining).toBe(9);
    });

    it.each([
      ['neither', {}],
      ['a null recoveryCode', { recoveryCode: null }],
      ['a recovery code with a 0 (not base32)', { recoveryCode: 'abcd0-efghi' }],
      ['a recovery code of 9 characters', { recoveryCode: 'abcde-fghi' }],
      ['a numeric recovery code', { recoveryCode: 1234567890 }],
    ])('%s → 400', async (_name, body) => {
      const token = await login(app.client, user.username, user.password);
      const res = await verify(app.client, token, body);
      expect(res.status).toBe(400);
    });

    it('wrong recovery codes use up the pre-auth budget: after 5, the right code on that token → 401', async () => {
      const fresh = await enrolledUser(app.client);
      const token = await login(app.client, fresh.username, fresh.password);
      for (let i = 0; i < 5; i += 1) {
        const wrong = await verify(app.client, token, { recoveryCode: wrongRecoveryCode(fresh.recoveryCodes) });
        expectError(wrong, 401, 'Invalid code');
      }
      expectError(await verify(app.client, token, { recoveryCode: fresh.recoveryCodes[0] }), 401);
      // Control: the code was not spent; a new pre-auth token can use it.
      const res = await recoveryLogin(app.client, fresh.username, fresh.password, fresh.recoveryCodes[0]);
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodesRemaining).toBe(9);
    });

    it('wrong TOTP and recovery codes share the budget', async () => {
      const fresh = await enrolledUser(app.client);
      const token = await login(app.client, fresh.username, fresh.password);
      for (let i = 0; i < 3; i += 1)
        expectError(await verify(app.client, token, { code: wrongCode(fresh.secret) }), 401);
      for (let i = 0; i < 2; i += 1) {
        expectError(await verify(app.client, token, { recoveryCode: wrongRecoveryCode(fresh.recoveryCodes) }), 401);
      }
      expectError(await verify(app.client, token, { recoveryCode: fresh.recoveryCodes[0] }), 401);
    });
  });

  describe('POST /auth/2fa/recovery-codes', () => {
    it('access token + current code → 200 with 10 new codes; the old ones stop working, the new ones work', async () => {
      const user = await enrolledUser(app.client);
      const { code } = freshCode(user.secret, user.lastStep);
      const res = await app.client.post('/auth/2fa/recovery-codes', { token: user.accessToken, body: { code } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ recoveryCodes: expect.any(Array) });
      expect(res.headers['cache-control']).toBe('no-store');
      const fresh: string[] = res.body.recoveryCodes;
      expect(fresh).toHaveLength(10);
      for (const c of fresh) expect(c).toMatch(RECOVERY_CODE);
      expect(new Set(fresh).size).toBe(10);
      expect(fresh.filter((c) => user.recoveryCodes.includes(c))).toEqual([]);

      for (const old of user.recoveryCodes.slice(0, 3)) {
        expectError(await recoveryLogin(app.client, user.username, user.password, old), 401);
      }
      const withNew = await recoveryLogin(app.client, user.username, user.password, fresh[0]);
      expect(withNew.status).toBe(200);
      expect(withNew.body.recoveryCodesRemaining).toBe(9);
      // The access token used for the regeneration is still good: regenerating ends no session.
      expect((await app.client.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    });

    it('without a valid code → 401 and the old codes keep working', async () => {
      const user = await enrolledUser(app.client);
      const route = '/auth/2fa/recovery-codes';
      expectError(
        await app.client.post(route, { token: user.accessToken, body: { code: wrongCode(user.secret) } }),
        401,
      );
      // The code that enabled 2FA is spent: a replay is refused too.
      const replay = totpAt(user.secret, user.lastStep);
      expectError(await app.client.post(route, { token: user.accessToken, body: { code: replay } }), 401);
      // No code with a token older than 5 minutes: the RFC 9470 challenge (a fresh one would stand in for the code).
      const stale = await agedTokens(app, user);
      const missing = await app.client.post(route, { token: stale.accessToken, body: {} });
      expectError(missing, 401, 'A more recent authentication is required');
      expect(missing.headers['www-authenticate']).toBe(FRESHNESS_CHALLENGE);

      const res = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]);
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodesRemaining).toBe(9);
    });

    it('with a pre-auth token, or no token → 401, even with a valid code', async () => {
      const user = await enrolledUser(app.client);
      const preAuthToken = await login(app.client, user.username, user.password);
      const { code } = freshCode(user.secret, user.lastStep);
      expectError(await app.client.post('/auth/2fa/recovery-codes', { token: preAuthToken, body: { code } }), 401);
      expectError(await app.client.post('/auth/2fa/recovery-codes', { body: { code } }), 401);
      // The code was never looked at: still good for the login it was meant for.
      expect((await verify(app.client, preAuthToken, { code })).status).toBe(200);
    });

    it('with the access token of an ended session → 401', async () => {
      const user = await enrolledUser(app.client);
      expect((await app.client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
      const { code } = freshCode(user.secret, user.lastStep);
      expectError(await app.client.post('/auth/2fa/recovery-codes', { token: user.accessToken, body: { code } }), 401);
    });
  });
});

describe('wrong recovery codes count against the account lockout (LOCKOUT_THRESHOLD=3)', () => {
  const app = useTestApp({ LOCKOUT_THRESHOLD: '3', LOCKOUT_SECONDS: '60' });

  it('3 wrong recovery codes lock the account: the right one → 429, and so does the password step', async () => {
    const user = await enrolledUser(app.client);
    const token = await login(app.client, user.username, user.password);
    for (let i = 0; i < 3; i += 1) {
      expectError(await verify(app.client, token, { recoveryCode: wrongRecoveryCode(user.recoveryCodes) }), 401);
    }
    // Within the pre-auth budget (5), so the 429 is the lockout.
    const locked = await verify(app.client, token, { recoveryCode: user.recoveryCodes[0] });
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    const relogin = await app.client.post('/auth/login', {
      body: { username: user.username, password: user.password },
    });
    expect(relogin.status).toBe(429);

    // Another account is not locked.
    const other = await enrolledUser(app.client);
    expect((await recoveryLogin(app.client, other.username, other.password, other.recoveryCodes[0])).status).toBe(200);
  });

  it('control: 2 wrong recovery codes, then the right one → 200, and the count starts over', async () => {
    const user = await enrolledUser(app.client);
    const token = await login(app.client, user.username, user.password);
    for (let i = 0; i < 2; i += 1) {
      expectError(await verify(app.client, token, { recoveryCode: wrongRecoveryCode(user.recoveryCodes) }), 401);
    }
    expect((await verify(app.client, token, { recoveryCode: user.recoveryCodes[0] })).status).toBe(200);
    const again = await login(app.client, user.username, user.password);
    for (let i = 0; i < 2; i += 1) {
      expectError(await verify(app.client, again, { recoveryCode: wrongRecoveryCode(user.recoveryCodes) }), 401);
    }
    expect((await verify(app.client, again, { recoveryCode: user.recoveryCodes[1] })).status).toBe(200);
  });
});
