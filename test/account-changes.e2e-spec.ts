import { DataSource } from 'typeorm';
import { RecoveryCode } from '../src/factors/recovery-code.entity';
import { expectError } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, STRONG_PASSWORD, type EnrolledUser } from './support/flows';
import { useTestApp } from './support/test-app';
import { currentStep, freshCode, totpAt, wrongCode } from './support/totp';

/**
 * Changes to a logged-in user's credentials: both need the access token and
 * a current TOTP code (and the password), and both end every session.
 */

const NEW_PASSWORD = 'a different, equally long passphrase 97?';

interface SessionPair {
  accessToken: string;
  refreshToken: string;
}

describe('account changes', () => {
  const app = useTestApp();

  const me = (token: string) => app.client.get('/auth/me', { token });
  const refresh = (refreshToken: string) => app.client.post('/auth/refresh', { body: { refreshToken } });
  const passwordStep = (username: string, password: string) =>
    app.client.post('/auth/login', { body: { username, password } });
  const verify = (token: string, body: unknown) => app.client.post('/auth/2fa/verify', { token, body });

  /** The enrollment session plus a second one, opened with a recovery code (no TOTP step spent). */
  async function userWithTwoSessions(): Promise<{ user: EnrolledUser; sessions: SessionPair[] }> {
    const user = await enrolledUser(app.client);
    const second = await recoveryLogin(app.client, user.username, user.password, user.recoveryCodes[9]);
    expect(second.status).toBe(200);
    return { user, sessions: [{ accessToken: user.accessToken, refreshToken: user.refreshToken }, second.body] };
  }

  async function expectSessionsEnded(sessions: SessionPair[]): Promise<void> {
    for (const session of sessions) {
      expectError(await me(session.accessToken), 401);
      expectError(await refresh(session.refreshToken), 401);
    }
  }

  async function expectSessionsAlive(sessions: SessionPair[]): Promise<void> {
    for (const session of sessions) expect((await me(session.accessToken)).status).toBe(200);
  }

  describe('POST /auth/password', () => {
    const change = (token: string, body: unknown) => app.client.post('/auth/password', { token, body });
    /** A change to NEW_PASSWORD with the given current password and code. */
    const toNew = (currentPassword: string, code: string) => ({ currentPassword, newPassword: NEW_PASSWORD, code });

    it('→ 204; every session ends; the old password fails at login, the new one works', async () => {
      const { user, sessions } = await userWithTwoSessions();
      await expectSessionsAlive(sessions);
      const { code } = freshCode(user.secret, user.lastStep);
      const res = await change(sessions[1].accessToken, toNew(user.password, code));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');

      await expectSessionsEnded(sessions);
      expectError(await passwordStep(user.username, user.password), 401);
      const relogin = await passwordStep(user.username, NEW_PASSWORD);
      expect(relogin.status).toBe(200);
      expect(relogin.body.next).toBe('totp-verify');
      // The second factor is unchanged: the full login completes.
      const done = await recoveryLogin(app.client, user.username, NEW_PASSWORD, user.recoveryCodes[0]);
      expect(done.status).toBe(200);
      expect((await me(done.body.accessToken)).status).toBe(200);
    });

    it('wrong current password → 401, nothing changes, and the code is not spent', async () => {
      const { user, sessions } = await userWithTwoSessions();
      const { code } = freshCode(user.secret, user.lastStep);
      const res = await change(sessions[0].accessToken, toNew(`${user.password}-not`, code));
      expectError(res, 401);
      await expectSessionsAlive(sessions);
      expect((await passwordStep(user.username, NEW_PASSWORD)).status).toBe(401);
      // Control: the same code, with the right password, goes through.
      const ok = await change(sessions[0].accessToken, toNew(user.password, code));
      expect(ok.status).toBe(204);
    });

    it.each([
      ['too short', 'short pass', /at least 12/],
      ['common', 'password1234', /too easy to guess/],
      ['too long', 'x'.repeat(257), /at most 256/],
    ])('a %s new password → 400 with a helpful message, nothing changes', async (_name, newPassword, message) => {
      const { user, sessions } = await userWithTwoSessions();
      const { code } = freshCode(user.secret, user.lastStep);
      const res = await change(sessions[0].accessToken, { currentPassword: user.password, newPassword, code });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
      await expectSessionsAlive(sessions);
      expect((await passwordStep(user.username, newPassword)).status).toBe(401);
    });

    it('a new password based on the username → 400', async () => {
      const user = await enrolledUser(app.client);
      const { code } = freshCode(user.secret, user.lastStep);
      const res = await change(user.accessToken, {
        currentPassword: user.password,
        newPassword: `${user.username}2024`,
        code,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/username/);
    });

    // Without a code, a token older than 5 minutes gets the RFC 9470 challenge and a fresh one
    // stands in for the code: both in test/step-up.e2e-spec.ts.
    it.each([
      ['5-digit code', (p: string) => ({ currentPassword: p, newPassword: NEW_PASSWORD, code: '12345' })],
      ['missing current password', () => ({ newPassword: NEW_PASSWORD, code: '123456' })],
      ['missing new password', (p: string) => ({ currentPassword: p, code: '123456' })],
    ])('%s → 400', async (_name, body) => {
      const user = await enrolledUser(app.client);
      const res = await change(user.accessToken, body(user.password));
      expectError(res, 400);
    });

    it('a replayed code (the one that enabled 2FA) or a wrong code → 401, nothing changes', async () => {
      const { user, sessions } = await userWithTwoSessions();
      for (const code of [totpAt(user.secret, user.lastStep), wrongCode(user.secret)]) {
        expectError(await change(sessions[0].accessToken, toNew(user.password, code)), 401);
      }
      await expectSessionsAlive(sessions);
      expect((await passwordStep(user.username, user.password)).status).toBe(200);
    });

    it('a code accepted by a password change cannot be replayed by a second one', async () => {
      const { user, sessions } = await userWithTwoSessions();
      const { code } = freshCode(user.secret, user.lastStep);
      const first = await change(sessions[0].accessToken, toNew(user.password, code));
      expect(first.status).toBe(204);
      const relogged = await recoveryLogin(app.client, user.username, NEW_PASSWORD, user.recoveryCodes[0]);
      expect(relogged.status).toBe(200);
      const again = await change(relogged.body.accessToken, {
        currentPassword: NEW_PASSWORD,
        newPassword: STRONG_PASSWORD,
        code,
      });
      expectError(again, 401);
    });

    it('needs an access token: a pre-auth token → 401', async () => {
      const user = await enrolledUser(app.client);
      const preAuthToken = await login(app.client, user.username, user.password);
      const { code } = freshCode(user.secret, user.lastStep);
      expectError(await change(preAuthToken, toNew(user.password, code)), 401);
      expectError(await app.client.post('/auth/password', { body: toNew(user.password, code) }), 401);
    });
  });

  describe('POST /auth/2fa/reset', () => {
    const reset = (token: string, body: unknown) => app.client.post('/auth/2fa/reset', { token, body });
    const recoveryCodesStored = (userId: string) =>
      app.t.app.get(DataSource).getRepository(RecoveryCode).countBy({ userId });

    it('→ 200 with a new enrollment ticket; sessions end, recovery codes are gone, the next login enrolls again with it', async () => {
      const { user, sessions } = await userWithTwoSessions();
      const userId = (await me(user.accessToken)).body.id as string;
      expect(await recoveryCodesStored(userId)).toBe(10);
      const { code, step } = freshCode(user.secret, user.lastStep);
      const res = await reset(sessions[1].accessToken, { password: user.password, code });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ enrollmentTicket: expect.stringMatching(/^[\w-]{43}$/) });

      await expectSessionsEnded(sessions);
      expect(await recoveryCodesStored(userId)).toBe(0);

      const relogin = await passwordStep(user.username, user.password);
      expect(relogin.status).toBe(200);
      expect(relogin.body.next).toBe('totp-enroll');
      const preAuthToken = relogin.body.preAuthToken as string;
      // Not enrolled: neither an old recovery code nor an old TOTP code logs in.
      expect((await verify(preAuthToken, { recoveryCode: user.recoveryCodes[0] })).status).toBe(409);
      expect((await verify(preAuthToken, { code: totpAt(user.secret, step + 1) })).status).toBe(409);
      expect((await me(preAuthToken)).status).toBe(401);

      // A new authenticator, confirmed with its code for the current step:
      // the step the reset's code used belongs to the old secret.
      // The password alone does not enroll; the ticket the reset returned does.
      expectError(await app.client.post('/auth/2fa/setup', { token: preAuthToken }), 403);
      const setup = await app.client.post('/auth/2fa/setup', {
        token: preAuthToken,
        body: { enrollmentTicket: res.body.enrollmentTicket },
      });
      expect(setup.status).toBe(200);
      expect(setup.body.secret).not.toBe(user.secret);
      const newStep = currentStep();
      const enable = await app.client.post('/auth/2fa/enable', {
        token: preAuthToken,
        body: { code: totpAt(setup.body.secret, newStep) },
      });
      expect(enable.status).toBe(200);
      expect((await me(enable.body.accessToken)).status).toBe(200);
      const newCodes: string[] = enable.body.recoveryCodes;
      expect(newCodes.filter((c) => user.recoveryCodes.includes(c))).toEqual([]);

      // The old enrollment's recovery codes and TOTP secret stay dead; the new ones work.
      for (const old of user.recoveryCodes.slice(0, 2)) {
        expectError(await recoveryLogin(app.client, user.username, user.password, old), 401);
      }
      const oldSecretToken = await login(app.client, user.username, user.password);
      expectError(await verify(oldSecretToken, { code: totpAt(user.secret, currentStep()) }), 401);
      const withNew = await recoveryLogin(app.client, user.username, user.password, newCodes[0]);
      expect(withNew.status).toBe(200);
      expect(withNew.body.recoveryCodesRemaining).toBe(9);
      const totpLogin = await login(app.client, user.username, user.password);
      const next = freshCode(setup.body.secret, newStep);
      expect((await verify(totpLogin, { code: next.code })).status).toBe(200);
    });

    it('wrong password, wrong or replayed code → 401; malformed → 400; 2FA stays enabled', async () => {
      const { user, sessions } = await userWithTwoSessions();
      const { code } = freshCode(user.secret, user.lastStep);
      const token = sessions[0].accessToken;
      expectError(await reset(token, { password: `${user.password}-not`, code }), 401);
      expectError(await reset(token, { password: user.password, code: wrongCode(user.secret) }), 401);
      expectError(await reset(token, { password: user.password, code: totpAt(user.secret, user.lastStep) }), 401);
      // No code: a fresh token stands in, a stale one gets the RFC 9470 challenge (test/step-up.e2e-spec.ts).
      expect((await reset(token, { code })).status).toBe(400);
      expect((await reset(token, { password: user.password, code: '12345' })).status).toBe(400);

      await expectSessionsAlive(sessions);
      const relogin = await passwordStep(user.username, user.password);
      expect(relogin.body.next).toBe('totp-verify');
      // Control: with the right password and a fresh code the reset goes through.
      expect((await reset(token, { password: user.password, code })).status).toBe(200);
    });

    it('needs an access token: a pre-auth token → 401', async () => {
      const user = await enrolledUser(app.client);
      const preAuthToken = await login(app.client, user.username, user.password);
      const { code } = freshCode(user.secret, user.lastStep);
      expectError(await reset(preAuthToken, { password: user.password, code }), 401);
      expect((await passwordStep(user.username, user.password)).body.next).toBe('totp-verify');
    });
  });
});
