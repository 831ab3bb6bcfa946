import { randomBytes } from 'node:crypto';
import { expectError, expectTooMany } from './support/expect-error';
import { enrolledUser, STRONG_PASSWORD, type EnrolledUser } from './support/flows';
import type { HttpsClient, Response } from './support/https-client';
import { useTestApp } from './support/test-app';
import { freshCode, wrongCode } from './support/totp';

/**
 * Issue 11 §3: the lockout cannot be turned against the user. Anyone who
 * knows a username can fill the account's untrusted counter; the owner's
 * known devices (a device token from a full login) keep their own counter.
 * Attackers come from their own loopback addresses.
 */

const THRESHOLD = 5;
const WRONG_PASSWORD = `${STRONG_PASSWORD}-wrong`;
const ATTACKERS = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15'];

describe('device tokens and the account lockout', () => {
  const app = useTestApp({ LOCKOUT_THRESHOLD: String(THRESHOLD) });

  const passwordStep = (client: HttpsClient, username: string, password: string, deviceToken?: string) =>
    client.post('/auth/login', {
      body: deviceToken === undefined ? { username, password } : { username, password, deviceToken },
    });

  /** One wrong password from each attacker address until the untrusted counter is full. */
  async function lockOut(username: string, deviceToken?: () => string): Promise<void> {
    for (let i = 0; i < THRESHOLD; i += 1) {
      const res = await passwordStep(
        app.client.as(ATTACKERS[i % ATTACKERS.length]),
        username,
        WRONG_PASSWORD,
        deviceToken?.(),
      );
      expectError(res, 401, 'Invalid username or password');
    }
  }

  /** A full login from the owner's device: password with the device token, then a fresh code. */
  async function ownerLogin(user: EnrolledUser, deviceToken: string): Promise<Response> {
    const first = await passwordStep(app.client, user.username, user.password, deviceToken);
    if (first.status !== 200) return first;
    const { code, step } = freshCode(user.secret, user.lastStep);
    user.lastStep = step;
    return app.client.post('/auth/2fa/verify', { token: first.body.preAuthToken, body: { code } });
  }

  it("an attacker locks the account from five addresses; the owner's known device still logs in; an unknown client gets the same 429", async () => {
    const alice = await enrolledUser(app.client);
    await lockOut(alice.username);
    // Unknown clients, the right password included, get the lockout's 429.
    const unknown = await passwordStep(app.client.as('127.0.0.20'), alice.username, alice.password);
    expectTooMany(unknown, 900);
    expectTooMany(await passwordStep(app.client.as(ATTACKERS[0]), alice.username, WRONG_PASSWORD), 900);

    // Alice's device: password and code as usual, during the lock.
    const login = await ownerLogin(alice, alice.deviceToken);
    expect(login.status).toBe(200);
    expect((await app.client.get('/auth/me', { token: login.body.accessToken })).status).toBe(200);
    // The device token changed: the old value is now just an unknown token (the lock applies), the new one works.
    expect(login.body.deviceToken).not.toBe(alice.deviceToken);
    expectTooMany(await passwordStep(app.client, alice.username, alice.password, alice.deviceToken), 900);
    expect((await passwordStep(app.client, alice.username, alice.password, login.body.deviceToken)).status).toBe(200);
    // Her login did not clear the untrusted counter the attacker filled.
    expectTooMany(await passwordStep(app.client.as('127.0.0.20'), alice.username, alice.password), 900);
  });

  it('wrong passwords sent with random, stolen-looking device tokens still hit the untrusted counter', async () => {
    const alice = await enrolledUser(app.client);
    await lockOut(alice.username, () => randomBytes(32).toString('base64url'));
    expectTooMany(await passwordStep(app.client.as('127.0.0.20'), alice.username, alice.password), 900);
    expectTooMany(
      await passwordStep(app.client, alice.username, alice.password, randomBytes(32).toString('base64url')),
      900,
    );
    expect((await ownerLogin(alice, alice.deviceToken)).status).toBe(200);
  });

  it("another user's device token, or garbage in its place, counts as no token", async () => {
    const alice = await enrolledUser(app.client);
    const mallory = await enrolledUser(app.client);
    await lockOut(alice.username, () => mallory.deviceToken);
    expectTooMany(await passwordStep(app.client, alice.username, alice.password, mallory.deviceToken), 900);
    for (const junk of ['', 'x', 'é'.repeat(100), `${alice.deviceToken}x`]) {
      expectTooMany(await passwordStep(app.client, alice.username, alice.password, junk), 900);
    }
    // Not a string, or longer than any token: a malformed body (400), as for any field.
    expectError(await passwordStep(app.client, alice.username, alice.password, 42 as unknown as string), 400);
    expectError(await passwordStep(app.client, alice.username, alice.password, 'x'.repeat(257)), 400);
  });

  it('failures sent with a device token lock that device alone: the untrusted counter and other devices go on', async () => {
    const alice = await enrolledUser(app.client);
    // A second device of Alice's: a full login without a device token (a recovery code saves a TOTP step).
    const laptopFirst = await passwordStep(app.client, alice.username, alice.password);
    const laptop = await app.client.post('/auth/2fa/verify', {
      token: laptopFirst.body.preAuthToken,
      body: { recoveryCode: alice.recoveryCodes[0] },
    });
    expect(laptop.status).toBe(200);
    // Someone with the phone's token (say, a thief) guesses passwords: the phone is locked...
    for (let i = 0; i < THRESHOLD; i += 1) {
      expectError(await passwordStep(app.client, alice.username, WRONG_PASSWORD, alice.deviceToken), 401);
    }
    expectTooMany(await passwordStep(app.client, alice.username, alice.password, alice.deviceToken), 900);
    // ...the laptop and clients without a device token are not.
    expect((await ownerLogin(alice, laptop.body.deviceToken)).status).toBe(200);
    expect((await passwordStep(app.client.as('127.0.0.21'), alice.username, alice.password)).status).toBe(200);
  });

  it('second-step failures on a device-bound pre-auth token count against that device', async () => {
    const alice = await enrolledUser(app.client);
    // Four pre-auth tokens from the device, one wrong code each, and one more: the device's counter is full.
    for (let i = 0; i < THRESHOLD; i += 1) {
      const first = await passwordStep(app.client, alice.username, alice.password, alice.deviceToken);
      expect(first.status).toBe(200);
      const wrong = await app.client.post('/auth/2fa/verify', {
        token: first.body.preAuthToken,
        body: { code: wrongCode(alice.secret) },
      });
      expectError(wrong, 401);
    }
    expectTooMany(await passwordStep(app.client, alice.username, alice.password, alice.deviceToken), 900);
    expect((await passwordStep(app.client.as('127.0.0.22'), alice.username, alice.password)).status).toBe(200);
  });

  it('logout-all, a password change and a 2FA reset revoke every device token', async () => {
    const viaLogoutAll = await enrolledUser(app.client);
    expect((await app.client.post('/auth/logout-all', { token: viaLogoutAll.accessToken })).status).toBe(204);

    const viaPassword = await enrolledUser(app.client);
    const newPassword = 'a different, equally long passphrase 97?';
    const changed = await app.client.post('/auth/password', {
      token: viaPassword.accessToken,
      body: {
        currentPassword: viaPassword.password,
        newPassword,
        code: freshCode(viaPassword.secret, viaPassword.lastStep).code,
      },
    });
    expect(changed.status).toBe(204);
    viaPassword.password = newPassword;

    const viaReset = await enrolledUser(app.client);
    const reset = await app.client.post('/auth/2fa/reset', {
      token: viaReset.accessToken,
      body: { password: viaReset.password, code: freshCode(viaReset.secret, viaReset.lastStep).code },
    });
    expect(reset.status).toBe(200);

    for (const user of [viaLogoutAll, viaPassword, viaReset]) {
      await lockOut(user.username);
      expectTooMany(await passwordStep(app.client, user.username, user.password, user.deviceToken), 900);
    }
  });
});
