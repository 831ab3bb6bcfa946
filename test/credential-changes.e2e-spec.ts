import { expectError } from './support/expect-error';
import { enrolledUser, login, type EnrolledUser } from './support/flows';
import type { HttpsClient, Response } from './support/https-client';
import { useTestApp } from './support/test-app';
import { freshCode } from './support/totp';

/**
 * Issue 11 §2: a credential change ends everything issued before it. The
 * attacker holds a pre-auth token earned with the old password, or is in
 * the middle of a login when the owner resets the second factor.
 */

const RACES = 50;
const NEW_PASSWORD = 'a different, equally long passphrase 97?';

describe('a credential change ends what was issued before it', () => {
  const app = useTestApp();

  const verify = (token: string, body: unknown) => app.client.post('/auth/2fa/verify', { token, body });
  const resetBody = (user: EnrolledUser, code: string) => ({ password: user.password, code });

  it('a pre-auth token from before a password change is refused at the second step (401)', async () => {
    const user = await enrolledUser(app.client);
    const stale = await login(app.client, user.username, user.password);
    const next = freshCode(user.secret, user.lastStep);
    const changed = await app.client.post('/auth/password', {
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword: NEW_PASSWORD, code: next.code },
    });
    expect(changed.status).toBe(204);
    // A valid recovery code is refused with the stale token, and not spent by the attempt.
    expectError(await verify(stale, { recoveryCode: user.recoveryCodes[0] }), 401);
    const fresh = await login(app.client, user.username, NEW_PASSWORD);
    expect((await verify(fresh, { recoveryCode: user.recoveryCodes[0] })).status).toBe(200);
  });

  it("a pre-auth token from before a 2FA reset cannot enroll, even with the reset's ticket (401)", async () => {
    const user = await enrolledUser(app.client);
    const stale = await login(app.client, user.username, user.password);
    const reset = await app.client.post('/auth/2fa/reset', {
      token: user.accessToken,
      body: resetBody(user, freshCode(user.secret, user.lastStep).code),
    });
    expect(reset.status).toBe(200);
    const enrollmentTicket = reset.body.enrollmentTicket as string;
    expectError(await app.client.post('/auth/2fa/setup', { token: stale, body: { enrollmentTicket } }), 401);
    const fresh = await login(app.client, user.username, user.password);
    expect((await app.client.post('/auth/2fa/setup', { token: fresh, body: { enrollmentTicket } })).status).toBe(200);
  });

  it('a pre-auth token from before logout-all is refused (401)', async () => {
    const user = await enrolledUser(app.client);
    const stale = await login(app.client, user.username, user.password);
    expect((await app.client.post('/auth/logout-all', { token: user.accessToken })).status).toBe(204);
    expectError(await verify(stale, { code: freshCode(user.secret, user.lastStep).code }), 401);
  });

  /**
   * The login's last step and a credential change in flight together, many
   * times over. Each round uses its own user (TOTP steps are single use) and
   * sends the login step a little later than the change, by an offset that
   * differs from round to round, so that across the rounds the login's
   * writes land before, inside and after the change's own steps (a reset
   * spends an argon2 verification before it changes anything). Whatever the
   * order, a session the login started must not work after both answered.
   */
  it(`a second step racing a credential change never leaves a session behind (${RACES} races)`, async () => {
    const users = await inBatches(RACES, 5, () => enrolledUser(app.client));
    await inBatches(RACES, 5, async (i) => {
      const user = users[i];
      const preAuthToken = await login(app.client, user.username, user.password);
      const fresh = freshCode(user.secret, user.lastStep);
      // Even rounds: a recovery-code login against a 2FA reset (which spends the
      // fresh TOTP step). Odd rounds: a TOTP login against logout-all.
      const reset = i % 2 === 0;
      const change = reset
        ? app.client.post('/auth/2fa/reset', { token: user.accessToken, body: resetBody(user, fresh.code) })
        : app.client.post('/auth/logout-all', { token: user.accessToken });
      await delay(reset ? (i * 4) % 100 : i % 5);
      const login2 = await verify(preAuthToken, reset ? { recoveryCode: user.recoveryCodes[0] } : { code: fresh.code });
      await change;
      expect([200, 204]).toContain((await change).status);
      // 409: the verify read the user after the reset removed the factor
      // (there is nothing left to verify against), an honest answer.
      expect([200, 401, 409]).toContain(login2.status);
      await expectNoLiveSession(app.client, login2);
    });
  }, 120_000);
});

/** Whatever the race returned, its tokens open nothing now. */
async function expectNoLiveSession(client: HttpsClient, res: Response): Promise<void> {
  if (res.status !== 200) return;
  expectError(await client.get('/auth/me', { token: res.body.accessToken }), 401);
  expectError(await client.post('/auth/refresh', { body: { refreshToken: res.body.refreshToken } }), 401);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function inBatches<T>(count: number, size: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    const batch = Array.from({ length: Math.min(size, count - start) }, (_, k) => run(start + k));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}
