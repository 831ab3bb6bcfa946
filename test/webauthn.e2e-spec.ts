import { DataSource } from 'typeorm';
import { Session } from '../src/sessions/session.entity';
import { CapturedLog } from './support/captured-log';
import { expectError } from './support/expect-error';
import { enrolledUser, login, register, uniqueUsername } from './support/flows';
import type { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { addPasskey, PASSKEY_ENV, PASSKEY_ORIGIN, passkeyLogin, passkeyUser } from './support/passkeys';
import { SoftAuthenticator } from './support/soft-authenticator';
import { useTestApp, withTestApp } from './support/test-app';
import { freshCode } from './support/totp';

const INVALID_PASSKEY = 'Invalid passkey assertion';
const CHALLENGE = `Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300`;

const newKey = (options: { counterless?: boolean; backedUp?: boolean } = {}) =>
  new SoftAuthenticator({ origin: PASSKEY_ORIGIN, ...options });

/** Password step and authenticate/options: the pre-auth token and the request options. */
async function secondStep(client: HttpsClient, user: { username: string; password: string }) {
  const token = await login(client, user.username, user.password);
  const options = await client.post('/auth/webauthn/authenticate/options', { token });
  expect(options.status).toBe(200);
  return { token, options: options.body };
}

const verify = (client: HttpsClient, token: string, response: unknown) =>
  client.post('/auth/webauthn/authenticate/verify', { token, body: { response } });

describe('passkeys (WebAuthn)', () => {
  const log = new CapturedLog();
  const app = useTestApp({ ...PASSKEY_ENV, LOG_LEVEL: 'info' }, { logDestination: log.stream });

  describe('as a second factor beside TOTP', () => {
    it('an account holds at most 20 passkeys: the 21st is refused at its options (409)', async () => {
      const user = await enrolledUser(app.client);
      for (let i = 0; i < 20; i += 1) await addPasskey(app.client, user.accessToken, newKey(), `Key ${i}`);
      expectError(
        await app.client.post('/auth/webauthn/register/options', { token: user.accessToken }),
        409,
        /at most 20 passkeys/,
      );
      const listed = await app.client.get('/auth/webauthn/credentials', { token: user.accessToken });
      expect(listed.body).toHaveLength(20);
    });

    it('is added with a fresh token, listed, and then logs in: amr pwd+hwk, acr phr, a device token', async () => {
      const user = await enrolledUser(app.client);
      const key = newKey({ backedUp: true });
      const options = await app.client.post('/auth/webauthn/register/options', { token: user.accessToken });
      expect(options.status).toBe(200);
      expect(options.body).toMatchObject({
        rp: { id: 'localhost' },
        attestation: 'none',
        challenge: expect.stringMatching(/^[\w-]{43}$/),
      });
      const created = await app.client.post('/auth/webauthn/register/verify', {
        token: user.accessToken,
        body: { response: key.register(options.body), name: 'Laptop' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: expect.any(String) });

      const listed = await app.client.get('/auth/webauthn/credentials', { token: user.accessToken });
      expect(listed.body).toEqual([{ ...created.body, lastUsedAt: null, backedUp: true }]);

      const password = await app.client.post('/auth/login', {
        body: { username: user.username, password: user.password },
      });
      expect(password.body).toMatchObject({ next: 'totp-verify', factors: ['totp', 'webauthn'] });
      const { token, options: request } = await secondStep(app.client, user);
      expect(request.allowCredentials).toEqual([
        { id: key.credentials[0].id.toString('base64url'), type: 'public-key', transports: ['internal'] },
      ]);
      const res = await verify(app.client, token, key.assert(request));
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual([
        'accessToken',
        'deviceToken',
        'expiresIn',
        'refreshToken',
        'tokenType',
      ]);
      const { claims } = decodeJwt(res.body.accessToken);
      expect(claims).toMatchObject({ amr: ['pwd', 'hwk'], acr: 'urn:nest-2fa-api:acr:phr', auth_time: claims.iat });
      expect((await app.client.get('/auth/me', { token: res.body.accessToken })).status).toBe(200);
      // The refresh keeps amr, acr and auth_time: a refresh is no new proof.
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: res.body.refreshToken } });
      expect(decodeJwt(refreshed.body.accessToken).claims).toMatchObject({
        amr: ['pwd', 'hwk'],
        acr: 'urn:nest-2fa-api:acr:phr',
        auth_time: claims.auth_time,
      });
      const after = await app.client.get('/auth/webauthn/credentials', { token: user.accessToken });
      expect(after.body[0].lastUsedAt).toEqual(expect.any(String));
      expect(log.events('auth.webauthn.registered').at(-1)).toMatchObject({ credential: expect.any(String) });
    });

    it('a synced passkey that always reports counter 0 logs in again and again', async () => {
      const user = await enrolledUser(app.client);
      const key = newKey({ counterless: true });
      await addPasskey(app.client, user.accessToken, key);
      for (let i = 0; i < 2; i += 1) expect((await passkeyLogin(app.client, user, key)).status).toBe(200);
    });
  });

  describe('every ceremony refuses what it must', () => {
    let alice: Awaited<ReturnType<typeof passkeyUser>>;
    let bob: Awaited<ReturnType<typeof passkeyUser>>;
    beforeAll(async () => {
      alice = await passkeyUser(app.client);
      bob = await passkeyUser(app.client);
    });

    it.each([
      ['a wrong origin', { origin: 'https://evil.example' }],
      ['an origin that differs only by port', { origin: 'https://localhost:9443' }],
      ['a wrong RP ID', { rpId: 'evil.example' }],
      ['the create type on an assertion', { type: 'webauthn.create' }],
      ['no user presence', { userPresent: false }],
    ])('%s → 401, and the challenge is spent', async (_name, overrides) => {
      const { token, options } = await secondStep(app.client, alice);
      expectError(
        await verify(app.client, token, alice.authenticator.assert(options, overrides)),
        401,
        INVALID_PASSKEY,
      );
      // The failed answer spent the challenge: even a correct one for it is refused now.
      expectError(await verify(app.client, token, alice.authenticator.assert(options)), 401, INVALID_PASSKEY);
    });

    it('a replayed assertion (the same response twice) is refused', async () => {
      const { token, options } = await secondStep(app.client, alice);
      const response = alice.authenticator.assert(options);
      expect((await verify(app.client, token, response)).status).toBe(200);
      const again = await secondStep(app.client, alice);
      expectError(await verify(app.client, again.token, response), 401, INVALID_PASSKEY);
    });

    it("a challenge issued to another user's pre-auth token does not answer this one", async () => {
      const forAlice = await secondStep(app.client, alice);
      const forBob = await secondStep(app.client, bob);
      // Bob's passkey signs Alice's challenge, sent with Bob's pre-auth token.
      const crossed = bob.authenticator.assert(forBob.options, { challenge: forAlice.options.challenge });
      expectError(await verify(app.client, forBob.token, crossed), 401, INVALID_PASSKEY);
      // Alice's challenge was not spent by Bob's attempt: she completes her login.
      expect((await verify(app.client, forAlice.token, alice.authenticator.assert(forAlice.options))).status).toBe(200);
    });

    it("another user's passkey cannot complete this user's login", async () => {
      const { token, options } = await secondStep(app.client, alice);
      const bobsKey = bob.authenticator.credentials[0].id.toString('base64url');
      const response = bob.authenticator.assert(options, { credentialId: bobsKey });
      expectError(await verify(app.client, token, response), 401, INVALID_PASSKEY);
    });

    it('a counter that goes backwards is refused and recorded as auth.webauthn.counter_regression', async () => {
      const { token, options } = await secondStep(app.client, alice);
      const stored = alice.authenticator.credentials[0].counter;
      expectError(await verify(app.client, token, alice.authenticator.assert(options, { counter: stored - 1 })), 401);
      expect(log.events('auth.webauthn.counter_regression').some((e) => e.userId === alice.id)).toBe(true);
      const again = await secondStep(app.client, alice);
      expectError(
        await verify(app.client, again.token, alice.authenticator.assert(again.options, { counter: stored })),
        401,
      );
      const next = await secondStep(app.client, alice);
      expect((await verify(app.client, next.token, alice.authenticator.assert(next.options))).status).toBe(200);
    });

    it('a registration for a wrong origin or RP ID, or an answer to no challenge, is refused', async () => {
      const register = async (overrides: Record<string, string>) => {
        const options = await app.client.post('/auth/webauthn/register/options', { token: alice.accessToken });
        return app.client.post('/auth/webauthn/register/verify', {
          token: alice.accessToken,
          body: { response: newKey().register(options.body, overrides), name: 'x' },
        });
      };
      expectError(await register({ origin: 'https://evil.example' }), 400, 'Invalid passkey registration');
      expectError(await register({ rpId: 'evil.example' }), 400, 'Invalid passkey registration');
      expectError(await register({ challenge: 'A'.repeat(43) }), 400, 'Invalid passkey registration');
    });

    it('the same authenticator credential cannot be registered twice, to this or another account', async () => {
      const options = await app.client.post('/auth/webauthn/register/options', { token: bob.accessToken });
      const aliceCredential = alice.authenticator.credentials[0].id.toString('base64url');
      const response = alice.authenticator.register(options.body, { reuseCredentialId: aliceCredential });
      expectError(
        await app.client.post('/auth/webauthn/register/verify', {
          token: bob.accessToken,
          body: { response, name: 'x' },
        }),
        409,
        'This passkey is already registered',
      );
    });

    it('no credential id or public key is ever logged in full', () => {
      const ids = [alice, bob].flatMap((u) => u.authenticator.credentials.map((c) => c.id.toString('base64url')));
      const keys = [alice, bob].flatMap((u) => u.authenticator.credentials.map((c) => c.publicJwk.x));
      for (const line of log.raw) {
        for (const secret of [...ids, ...keys]) expect(line).not.toContain(secret);
      }
      expect(log.events('auth.webauthn.failed').length).toBeGreaterThan(0);
    });
  });

  describe('managing passkeys', () => {
    it('rename, remove; the last second factor stays (409); a removed passkey logs in no more', async () => {
      const user = await passkeyUser(app.client);
      const [first] = (await app.client.get('/auth/webauthn/credentials', { token: user.accessToken })).body;
      const remove = (id: string) =>
        app.client.send('DELETE', `/auth/webauthn/credentials/${id}`, { token: user.accessToken });
      expectError(await remove(first.id), 409);

      const spare = newKey();
      const second = await addPasskey(app.client, user.accessToken, spare, 'Phone');
      const renamed = await app.client.send('PATCH', `/auth/webauthn/credentials/${second.id}`, {
        token: user.accessToken,
        body: { name: 'Old phone' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: second.id, name: 'Old phone' });
      expectError(
        await app.client.send('PATCH', `/auth/webauthn/credentials/${second.id}`, {
          token: user.accessToken,
          body: { name: 'bad\u0007name' },
        }),
        400,
      );

      expect((await remove(second.id)).status).toBe(204);
      expectError(await remove(second.id), 404);
      const { token, options } = await secondStep(app.client, user);
      const spareId = spare.credentials[0].id.toString('base64url');
      expectError(
        await verify(app.client, token, spare.assert(options, { credentialId: spareId })),
        401,
        INVALID_PASSKEY,
      );

      // Another user's passkey id is just "not found" here.
      const other = await passkeyUser(app.client);
      const [theirs] = (await app.client.get('/auth/webauthn/credentials', { token: other.accessToken })).body;
      expectError(await remove(theirs.id), 404);
    });

    it('@RequireAuth: a token whose login is over 5 minutes old gets the RFC 9470 challenge', async () => {
      const user = await passkeyUser(app.client);
      // The session's auth_time moved 10 minutes back; the refreshed token carries it.
      const sessionId = decodeJwt(user.accessToken).claims.sid as string;
      await app.t.app
        .get(DataSource)
        .getRepository(Session)
        .update({ id: sessionId }, { authTime: Date.now() - 600_000 });
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
      const stale = refreshed.body.accessToken as string;

      const refused = await app.client.post('/auth/webauthn/register/options', { token: stale });
      expectError(refused, 401, 'A more recent authentication is required');
      expect(refused.headers['www-authenticate']).toBe(CHALLENGE);
      for (const [method, path] of [
        ['DELETE', '/auth/webauthn/credentials/00000000-0000-4000-8000-000000000000'],
        ['PATCH', '/auth/webauthn/credentials/00000000-0000-4000-8000-000000000000'],
      ]) {
        const res = await app.client.send(method, path, {
          token: stale,
          body: method === 'PATCH' ? { name: 'x' } : undefined,
        });
        expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      }
      // The list needs no fresh login; the fresh token of the same user still manages passkeys.
      expect((await app.client.get('/auth/webauthn/credentials', { token: stale })).status).toBe(200);
      expect((await app.client.post('/auth/webauthn/register/options', { token: user.accessToken })).status).toBe(200);

      // A passkey-only account: the fresh login stands in for the code; a stale one gets the challenge.
      const staleChange = await app.client.post('/auth/password', {
        token: stale,
        body: { currentPassword: user.password, newPassword: 'another horse battery staple 43!' },
      });
      expect(staleChange.headers['www-authenticate']).toBe(CHALLENGE);
      const codes = await app.client.post('/auth/2fa/recovery-codes', { token: user.accessToken, body: {} });
      expect(codes.status).toBe(200);
      expect(codes.body.recoveryCodes).toHaveLength(10);
    });
  });

  describe('a passkey as the first and only second factor', () => {
    it('enrolls with the enrollment ticket, like /auth/2fa/enable', async () => {
      const { username, password, enrollmentTicket } = await register(app.client, uniqueUsername('pk'));
      const token = await login(app.client, username, password);
      expectError(await app.client.post('/auth/webauthn/enroll/options', { token, body: {} }), 403);
      expectError(
        await app.client.post('/auth/webauthn/enroll/options', { token, body: { enrollmentTicket: 'wrong' } }),
        403,
      );
      const options = await app.client.post('/auth/webauthn/enroll/options', { token, body: { enrollmentTicket } });
      expect(options.status).toBe(200);
      const key = newKey();
      // A registration answering with a wrong origin is a wrong proof: 401, and the challenge is gone.
      expectError(
        await app.client.post('/auth/webauthn/enroll/verify', {
          token,
          body: { response: key.register(options.body, { origin: 'https://evil.example' }), name: 'x' },
        }),
        401,
      );
      const again = await app.client.post('/auth/webauthn/enroll/options', { token, body: { enrollmentTicket } });
      const enrolled = await app.client.post('/auth/webauthn/enroll/verify', {
        token,
        body: { response: key.register(again.body), name: 'Key' },
      });
      expect(enrolled.status).toBe(200);
      expect(enrolled.body.recoveryCodes).toHaveLength(10);
      expect(decodeJwt(enrolled.body.accessToken).claims.amr).toEqual(['pwd', 'hwk']);
      // The ticket is spent: the pre-auth token and the ticket enroll nothing more.
      expectError(await app.client.post('/auth/webauthn/enroll/options', { token, body: { enrollmentTicket } }), 401);

      const next = await app.client.post('/auth/login', { body: { username, password } });
      expect(next.body).toMatchObject({ next: 'webauthn-verify', factors: ['webauthn'] });
      // No TOTP to check a code against; a recovery code works.
      expectError(
        await app.client.post('/auth/2fa/verify', { token: next.body.preAuthToken, body: { code: '123456' } }),
        401,
      );
      const recovered = await app.client.post('/auth/2fa/verify', {
        token: next.body.preAuthToken,
        body: { recoveryCode: enrolled.body.recoveryCodes[0] },
      });
      expect(recovered.status).toBe(200);
      expect(decodeJwt(recovered.body.accessToken).claims.amr).toEqual(['pwd', 'otp']);
    });

    it('a fresh passkey login changes the password without a code; a wrong password is still refused', async () => {
      const user = await passkeyUser(app.client);
      const change = (currentPassword: string) =>
        app.client.post('/auth/password', {
          token: user.accessToken,
          body: { currentPassword, newPassword: 'another horse battery staple 43!' },
        });
      expectError(await change('definitely not the password 99!'), 401, 'Invalid password or code');
      expect((await change(user.password)).status).toBe(204);
      // Every session ended, this one included.
      expectError(await app.client.get('/auth/me', { token: user.accessToken }), 401);
    });

    it('a 2FA reset removes the passkeys too (fresh login instead of a code); the next login enrolls again', async () => {
      const user = await passkeyUser(app.client);
      const reset = await app.client.post('/auth/2fa/reset', {
        token: user.accessToken,
        body: { password: user.password },
      });
      expect(reset.status).toBe(200);
      expect(
        (await app.client.post('/auth/login', { body: { username: user.username, password: user.password } })).body,
      ).toMatchObject({
        next: 'totp-enroll',
        factors: [],
      });
    });

    it('failures count toward the pre-auth budget: after 5 wrong assertions even the right one is refused', async () => {
      const user = await passkeyUser(app.client);
      const token = await login(app.client, user.username, user.password);
      for (let i = 0; i < 5; i += 1) {
        const options = await app.client.post('/auth/webauthn/authenticate/options', { token });
        const wrong = user.authenticator.assert(options.body, { origin: 'https://evil.example' });
        expectError(await verify(app.client, token, wrong), 401);
      }
      const options = await app.client.post('/auth/webauthn/authenticate/options', { token });
      expectError(
        await verify(app.client, token, user.authenticator.assert(options.body)),
        401,
        'This pre-auth token is no longer valid; log in again',
      );
    });
  });

  describe('passwordless', () => {
    const loginOptions = (client: HttpsClient) => client.post('/auth/webauthn/login/options');
    const loginVerify = (client: HttpsClient, response: unknown) =>
      client.post('/auth/webauthn/login/verify', { body: { response } });

    it('a discoverable passkey with user verification is a full login: amr hwk+mfa, a device token', async () => {
      const user = await passkeyUser(app.client);
      const options = await loginOptions(app.client);
      expect(options.status).toBe(200);
      expect(options.body).toMatchObject({ userVerification: 'required', rpId: 'localhost' });
      expect(options.body.allowCredentials ?? []).toEqual([]);
      const res = await loginVerify(app.client, user.authenticator.assert(options.body));
      expect(res.status).toBe(200);
      expect(res.body.deviceToken).toEqual(expect.any(String));
      expect(decodeJwt(res.body.accessToken).claims).toMatchObject({
        amr: ['hwk', 'mfa'],
        acr: 'urn:nest-2fa-api:acr:phr',
      });
      expect((await app.client.get('/auth/me', { token: res.body.accessToken })).body.username).toBe(user.username);
    });

    it('refuses an assertion without the UV flag, a replay, and a challenge asked for by another address', async () => {
      const user = await passkeyUser(app.client);
      const options = await loginOptions(app.client);
      expectError(await loginVerify(app.client, user.authenticator.assert(options.body, { userVerified: false })), 401);

      const fresh = await loginOptions(app.client);
      const response = user.authenticator.assert(fresh.body);
      expect((await loginVerify(app.client, response)).status).toBe(200);
      expectError(await loginVerify(app.client, response), 401);

      const elsewhere = await loginOptions(app.client.as('127.0.0.7'));
      expectError(await loginVerify(app.client, user.authenticator.assert(elsewhere.body)), 401);
    });

    it("failures with a user's passkey count on that user's untrusted counter", async () => {
      await withTestApp({ ...PASSKEY_ENV, LOCKOUT_THRESHOLD: '3' }, async ({ client }) => {
        const user = await passkeyUser(client);
        for (let i = 0; i < 3; i += 1) {
          const options = await loginOptions(client);
          expectError(await loginVerify(client, user.authenticator.assert(options.body, { userVerified: false })), 401);
        }
        const options = await loginOptions(client);
        expect((await loginVerify(client, user.authenticator.assert(options.body))).status).toBe(429);
        // The password step of that account is locked too: the same counter.
        expect(
          (await client.post('/auth/login', { body: { username: user.username, password: user.password } })).status,
        ).toBe(429);
      });
    });
  });

  it('WEBAUTHN_ENABLED=false: every passkey route is a 404', async () => {
    await withTestApp({ WEBAUTHN_ENABLED: 'false' }, async ({ client }) => {
      const user = await enrolledUser(client);
      expectError(await client.post('/auth/webauthn/login/options'), 404);
      expectError(await client.post('/auth/webauthn/register/options', { token: user.accessToken }), 404);
      const token = await login(client, user.username, user.password);
      expectError(await client.post('/auth/webauthn/authenticate/options', { token }), 404);
      // The code path is untouched.
      const { code } = freshCode(user.secret, user.lastStep);
      expect((await client.post('/auth/2fa/verify', { token, body: { code } })).status).toBe(200);
    });
  });
});
