import { DataSource } from 'typeorm';
import { Session } from '../src/sessions/session.entity';
import { expectError, expectTooMany } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, type EnrolledUser } from './support/flows';
import type { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { addPasskey, PASSKEY_ENV, PASSKEY_ORIGIN, passkeyLogin, passkeyUser } from './support/passkeys';
import { SoftAuthenticator } from './support/soft-authenticator';
import { agedTokens, FRESHNESS_CHALLENGE } from './support/step-up';
import { TeamRoutesModule } from './support/team-routes';
import { useTestApp } from './support/test-app';
import { freshCode, totpAt, wrongCode } from './support/totp';

const MFA = 'urn:nest-2fa-api:acr:mfa';
const PHR = 'urn:nest-2fa-api:acr:phr';
const ONE_PROOF = 'Send exactly one of code, recoveryCode or response';
const challenge = (description: string, params: string) =>
  `Bearer error="insufficient_user_authentication", error_description="${description}"${params}`;
const TOO_OLD_60 = challenge('A more recent authentication is required', ', max_age=60');
const TOO_WEAK_PHR = challenge('A stronger authentication is required', ', acr_values="urn:nest-2fa-api:acr:phr"');

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Step-up (RFC 9470): @RequireAuth on a team's own routes, POST /auth/step-up
 * with each kind of proof, and the sensitive built-in routes that take a
 * fresh token instead of a code. Tokens are aged by moving the session's
 * auth_time back and refreshing, never by waiting.
 */
describe('step-up', () => {
  const app = useTestApp(PASSKEY_ENV, { extraModules: [TeamRoutesModule] });

  const stepUp = (token: string, body: unknown, client: HttpsClient = app.client) =>
    client.post('/auth/step-up', { token, body });
  const team = (path: string, token: string) => app.client.get(`/team/${path}`, { token });

  /** An enrolled TOTP user whose token is 10 minutes old; `user.lastStep` is the enable's step. */
  async function staleTotpUser(): Promise<EnrolledUser & { stale: { accessToken: string; refreshToken: string } }> {
    const user = await enrolledUser(app.client);
    return { ...user, stale: await agedTokens(app, user) };
  }

  async function passkeyAssertion(token: string, authenticator: SoftAuthenticator) {
    const options = await app.client.post('/auth/step-up/webauthn/options', { token });
    expect(options.status).toBe(200);
    return authenticator.assert(options.body);
  }

  describe('@RequireAuth on a team route', () => {
    it('too old: 401 with the exact RFC 9470 challenge (max_age), in the usual error body; a refresh does not help', async () => {
      const user = await staleTotpUser();
      const refused = await team('recent', user.stale.accessToken);
      expectError(refused, 401, 'A more recent authentication is required');
      expect(refused.headers['www-authenticate']).toBe(TOO_OLD_60);
      // A refresh never refreshes auth_time.
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: user.stale.refreshToken } });
      expect(decodeJwt(refreshed.body.accessToken).claims.auth_time).toBe(
        decodeJwt(user.stale.accessToken).claims.auth_time,
      );
      expect((await team('recent', refreshed.body.accessToken)).headers['www-authenticate']).toBe(TOO_OLD_60);
      // The fresh login's token passes.
      expect((await team('recent', user.accessToken)).status).toBe(200);
    });

    it('too weak: a code login (acr mfa) gets acr_values, however fresh; both failing names both', async () => {
      const user = await enrolledUser(app.client);
      const refused = await team('strong', user.accessToken);
      expectError(refused, 401, 'A stronger authentication is required');
      expect(refused.headers['www-authenticate']).toBe(TOO_WEAK_PHR);
      const both = await team('recent-and-strong', (await agedTokens(app, user)).accessToken);
      expectError(both, 401, 'A more recent and stronger authentication is required');
      expect(both.headers['www-authenticate']).toBe(
        challenge(
          'A more recent and stronger authentication is required',
          ', acr_values="urn:nest-2fa-api:acr:phr", max_age=60',
        ),
      );
    });

    it('an invalid token is a plain 401 without the challenge (the challenge is for valid tokens only)', async () => {
      const res = await team('recent', 'not.a.token');
      expectError(res, 401);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });
  });

  describe('POST /auth/step-up', () => {
    it('with a TOTP code: a new token of the same session, auth_time now, amr otp, acr mfa; refreshes keep it', async () => {
      const user = await staleTotpUser();
      const before = decodeJwt(user.stale.accessToken).claims;
      const { code } = freshCode(user.secret, user.lastStep);
      const res = await stepUp(user.stale.accessToken, { code });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
      expect(res.body.tokenType).toBe('Bearer');
      const claims = decodeJwt(res.body.accessToken).claims;
      expect(claims).toMatchObject({ sid: before.sid, sub: before.sub, amr: ['otp'], acr: MFA });
      expect(claims.auth_time).toBeGreaterThanOrEqual(nowSeconds() - 5);
      expect(claims.jti).not.toBe(before.jti);
      expect((await team('recent', res.body.accessToken)).status).toBe(200);
      expect((await team('strong', res.body.accessToken)).headers['www-authenticate']).toBe(TOO_WEAK_PHR);

      // The session recorded it: the next refresh carries the new auth_time, amr and acr.
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: user.stale.refreshToken } });
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(refreshed.body.accessToken).claims).toMatchObject({
        sid: before.sid,
        auth_time: claims.auth_time,
        amr: ['otp'],
        acr: MFA,
      });
      // The old token still works where freshness is not required, and still is not fresh.
      expect((await app.client.get('/auth/me', { token: user.stale.accessToken })).status).toBe(200);
      expect((await team('recent', user.stale.accessToken)).status).toBe(401);
    });

    it('a TOTP code is accepted once: the one spent at login, or at a step-up, is refused (401)', async () => {
      const user = await staleTotpUser();
      expectError(await stepUp(user.stale.accessToken, { code: totpAt(user.secret, user.lastStep) }), 401);
      const { code } = freshCode(user.secret, user.lastStep);
      expect((await stepUp(user.stale.accessToken, { code })).status).toBe(200);
      expectError(await stepUp(user.stale.accessToken, { code }), 401, 'Invalid code');
    });

    it('with a recovery code: spent by its use, how many are left', async () => {
      const user = await staleTotpUser();
      const res = await stepUp(user.stale.accessToken, { recoveryCode: user.recoveryCodes[0] });
      expect(res.status).toBe(200);
      expect(res.body.recoveryCodesRemaining).toBe(9);
      expect(decodeJwt(res.body.accessToken).claims).toMatchObject({ amr: ['otp'], acr: MFA });
      expectError(await stepUp(user.stale.accessToken, { recoveryCode: user.recoveryCodes[0] }), 401);
      // Spent for login too.
      expectError(await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]), 401);
    });

    it('with a passkey: acr raised to phr, amr hwk; the team routes that need phr pass; refreshes keep it', async () => {
      const user = await enrolledUser(app.client);
      const authenticator = new SoftAuthenticator({ origin: PASSKEY_ORIGIN });
      await addPasskey(app.client, user.accessToken, authenticator);
      const stale = await agedTokens(app, user);
      const res = await stepUp(stale.accessToken, {
        response: await passkeyAssertion(stale.accessToken, authenticator),
      });
      expect(res.status).toBe(200);
      const claims = decodeJwt(res.body.accessToken).claims;
      expect(claims).toMatchObject({ amr: ['hwk'], acr: PHR, sid: decodeJwt(stale.accessToken).claims.sid });
      expect(claims.auth_time).toBeGreaterThanOrEqual(nowSeconds() - 5);
      for (const path of ['recent', 'strong', 'recent-and-strong']) {
        expect((await team(path, res.body.accessToken)).status).toBe(200);
      }
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: stale.refreshToken } });
      expect(decodeJwt(refreshed.body.accessToken).claims).toMatchObject({ auth_time: claims.auth_time, acr: PHR });

      // A later step-up with a code describes that code: acr mfa again, so "recent and phishing-resistant"
      // needs a fresh passkey, never an old passkey plus a fresh (phishable) code.
      const { code } = freshCode(user.secret, user.lastStep);
      const withCode = await stepUp(res.body.accessToken, { code });
      expect(decodeJwt(withCode.body.accessToken).claims).toMatchObject({ amr: ['otp'], acr: MFA });
      expect((await team('recent-and-strong', withCode.body.accessToken)).headers['www-authenticate']).toBe(
        challenge('A stronger authentication is required', ', acr_values="urn:nest-2fa-api:acr:phr", max_age=60'),
      );
    });

    it('a passkey challenge answers a step-up of the session that asked for it only, and once', async () => {
      const user = await passkeyUser(app.client);
      const other = await passkeyUser(app.client);
      const secondSession = await passkeyLogin(app.client, user, user.authenticator);
      expect(secondSession.status).toBe(200);

      const response = await passkeyAssertion(user.accessToken, user.authenticator);
      // Another session of the same user, or another user: no such challenge for them.
      expectError(await stepUp(secondSession.body.accessToken, { response }), 401, 'Invalid passkey assertion');
      expectError(await stepUp(other.accessToken, { response }), 401, 'Invalid passkey assertion');
      // Nor is another user's challenge answered by this user's passkey.
      const theirs = await app.client.post('/auth/step-up/webauthn/options', { token: other.accessToken });
      const mine = await app.client.post('/auth/step-up/webauthn/options', { token: user.accessToken });
      const answeringTheirs = user.authenticator.assert(mine.body, { challenge: theirs.body.challenge });
      expectError(await stepUp(user.accessToken, { response: answeringTheirs }), 401, 'Invalid passkey assertion');
      // A login challenge is not a step-up challenge.
      const preAuth = await login(app.client, user.username, user.password);
      const loginOptions = await app.client.post('/auth/webauthn/authenticate/options', { token: preAuth });
      expectError(await stepUp(user.accessToken, { response: user.authenticator.assert(loginOptions.body) }), 401);
      // The session that asked: accepted once.
      expect((await stepUp(user.accessToken, { response })).status).toBe(200);
      expectError(await stepUp(user.accessToken, { response }), 401, 'Invalid passkey assertion');
    });

    it('options: 409 for an account without a passkey', async () => {
      const user = await enrolledUser(app.client);
      expectError(await app.client.post('/auth/step-up/webauthn/options', { token: user.accessToken }), 409);
    });

    it('an ended session cannot step up: its token is refused (logout, or the session expired)', async () => {
      const user = await enrolledUser(app.client);
      expect((await app.client.post('/auth/logout', { token: user.accessToken })).status).toBe(204);
      const { code } = freshCode(user.secret, user.lastStep);
      expectError(await stepUp(user.accessToken, { code }), 401);
      expectError(await app.client.post('/auth/step-up/webauthn/options', { token: user.accessToken }), 401);

      // Past its absolute end a session is not extended by a step-up (its access token may still verify).
      const second = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[0]);
      const sessionId = decodeJwt(second.body.accessToken).claims.sid as string;
      await app.t.app
        .get(DataSource)
        .getRepository(Session)
        .update({ id: sessionId }, { expiresAt: Date.now() - 1000 });
      expectError(await stepUp(second.body.accessToken, { code }), 401);
    });

    it.each([
      ['no proof', {}],
      ['two proofs', { code: '123456', recoveryCode: 'abcde-23456' }],
      ['all three proofs', { code: '123456', recoveryCode: 'abcde-23456', response: {} }],
    ])('%s → 400 saying what to send', async (_name, body) => {
      const user = await enrolledUser(app.client);
      expectError(await stepUp(user.accessToken, body), 400, ONE_PROOF);
    });

    it.each([
      ['a numeric code', { code: 123456 }],
      ['a 5-digit code', { code: '12345' }],
      ['a malformed recovery code', { recoveryCode: 'not a code' }],
      ['a string response', { response: 'assertion' }],
      ['an array response', { response: [] }],
      ['null code', { code: null }],
      ['an unknown field', { code: '123456', admin: true }],
    ])('%s → 400', async (_name, body) => {
      const user = await enrolledUser(app.client);
      expectError(await stepUp(user.accessToken, body), 400);
    });

    it('needs an access token: none, or a pre-auth token → 401', async () => {
      const user = await enrolledUser(app.client);
      const preAuth = await login(app.client, user.username, user.password);
      const { code } = freshCode(user.secret, user.lastStep);
      expectError(await app.client.post('/auth/step-up', { body: { code } }), 401);
      expectError(await stepUp(preAuth, { code }), 401);
    });
  });

  describe('the sensitive built-in routes: a code, or a fresh token instead', () => {
    it('a fresh token replaces the code for a TOTP user; a stale one without a code gets the challenge', async () => {
      const user = await staleTotpUser();
      const regenerate = (token: string, body: unknown) => app.client.post('/auth/2fa/recovery-codes', { token, body });
      const stale = await regenerate(user.stale.accessToken, {});
      expectError(stale, 401, 'A more recent authentication is required');
      expect(stale.headers['www-authenticate']).toBe(FRESHNESS_CHALLENGE);
      // A code still works with the stale token, as before.
      const { code } = freshCode(user.secret, user.lastStep);
      expect((await regenerate(user.stale.accessToken, { code })).status).toBe(200);
      // After a step-up (with a recovery code, so no TOTP step is needed), no code is needed.
      const codes = (await regenerate(user.accessToken, {})).body.recoveryCodes as string[];
      const steppedUp = await stepUp(user.stale.accessToken, { recoveryCode: codes[0] });
      expect(steppedUp.status).toBe(200);
      expect((await regenerate(steppedUp.body.accessToken, {})).status).toBe(200);
    });

    it('a code sent as null is a 400, not a wrong (counted) code', async () => {
      const user = await enrolledUser(app.client);
      expectError(
        await app.client.post('/auth/2fa/recovery-codes', { token: user.accessToken, body: { code: null } }),
        400,
      );
    });

    it('POST /auth/password: a fresh token and the password, no code → 204; a stale one → the challenge', async () => {
      const user = await staleTotpUser();
      const body = { currentPassword: user.password, newPassword: 'a different, equally long passphrase 97?' };
      const stale = await app.client.post('/auth/password', { token: user.stale.accessToken, body });
      expect(stale.headers['www-authenticate']).toBe(FRESHNESS_CHALLENGE);
      // The password is still checked, fresh token or not.
      expectError(
        await app.client.post('/auth/password', {
          token: user.accessToken,
          body: { ...body, currentPassword: 'not the password at all 1' },
        }),
        401,
        'Invalid password or code',
      );
      expect((await app.client.post('/auth/password', { token: user.accessToken, body })).status).toBe(204);
    });

    it('POST /auth/2fa/reset: a fresh token and the password, no code → 200', async () => {
      const user = await staleTotpUser();
      const stale = await app.client.post('/auth/2fa/reset', {
        token: user.stale.accessToken,
        body: { password: user.password },
      });
      expect(stale.headers['www-authenticate']).toBe(FRESHNESS_CHALLENGE);
      const reset = await app.client.post('/auth/2fa/reset', {
        token: user.accessToken,
        body: { password: user.password },
      });
      expect(reset.status).toBe(200);
      expect(reset.body.enrollmentTicket).toEqual(expect.any(String));
    });
  });
});

describe('step-up and the account lockout (LOCKOUT_THRESHOLD=3)', () => {
  const app = useTestApp({ ...PASSKEY_ENV, LOCKOUT_THRESHOLD: '3', LOCKOUT_SECONDS: '900' });

  it('wrong proofs count toward the lockout; then even the right code gets 429, and so does the login', async () => {
    const user = await enrolledUser(app.client);
    const stale = await agedTokens(app, user);
    for (const body of [
      { code: wrongCode(user.secret) },
      { recoveryCode: 'aaaaa-aaaaa' },
      { code: wrongCode(user.secret) },
    ]) {
      expectError(await app.client.post('/auth/step-up', { token: stale.accessToken, body }), 401);
    }
    const { code } = freshCode(user.secret, user.lastStep);
    expectTooMany(await app.client.post('/auth/step-up', { token: stale.accessToken, body: { code } }), 900);
    expectTooMany(
      await app.client.post('/auth/login', { body: { username: user.username, password: user.password } }),
      900,
    );
  });

  it('a wrong passkey assertion counts too', async () => {
    const user = await passkeyUser(app.client);
    for (let i = 0; i < 3; i += 1) {
      const options = await app.client.post('/auth/step-up/webauthn/options', { token: user.accessToken });
      // Signed for a phishing site's origin: the assertion a relayed ceremony would produce.
      const response = user.authenticator.assert(options.body, { origin: 'https://evil.example' });
      expectError(await app.client.post('/auth/step-up', { token: user.accessToken, body: { response } }), 401);
    }
    const options = await app.client.post('/auth/step-up/webauthn/options', { token: user.accessToken });
    expectTooMany(
      await app.client.post('/auth/step-up', {
        token: user.accessToken,
        body: { response: user.authenticator.assert(options.body) },
      }),
      900,
    );
  });
});
