import * as tls from 'node:tls';
import { DataSource } from 'typeorm';
import { Session } from '../src/sessions/session.entity';
import { CapturedLog } from './support/captured-log';
import { expectError } from './support/expect-error';
import { enrolledUser, recoveryLogin, type EnrolledUser } from './support/flows';
import { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { PASSKEY_ENV, passkeyUser } from './support/passkeys';
import { useTestApp, type LiveTestApp } from './support/test-app';
import { freshCode } from './support/totp';

/**
 * GET/DELETE /auth/sessions and /auth/devices over HTTPS: a user sees only
 * their own live sessions and devices, ends one at a time with a fresh
 * login, and never learns whether someone else's id exists.
 */

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MFA = 'urn:nest-2fa-api:acr:mfa';
const CHALLENGE = `Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300`;
const NO_SUCH_SESSION = 'No such session';
const NO_SUCH_DEVICE = 'No such device';

const sidOf = (token: string) => decodeJwt(token).claims.sid as string;

/** A client bound to a loopback address, sending its own User-Agent (node:https sends none by default). */
const clientAt = (app: LiveTestApp, address: string, userAgent?: string) =>
  new HttpsClient(app.t.port, app.t.ca, {
    localAddress: address,
    headers: userAgent === undefined ? {} : { 'user-agent': userAgent },
  });

/** A second session of `user`: password step and a recovery code, from `client`. */
async function anotherSession(client: HttpsClient, user: EnrolledUser) {
  const res = await recoveryLogin(client, user.username, user.password, user.recoveryCodes.pop()!);
  expect(res.status).toBe(200);
  return res.body as { accessToken: string; refreshToken: string; deviceToken: string };
}

describe('sessions and devices a user can see', () => {
  const log = new CapturedLog();
  const app = useTestApp({ ...PASSKEY_ENV, LOG_LEVEL: 'info' }, { logDestination: log.stream });
  const sessions = () => app.t.app.get(DataSource).getRepository(Session);
  const list = (token: string) => app.client.get('/auth/sessions', { token });
  const endSession = (token: string, id: string) => app.client.send('DELETE', `/auth/sessions/${id}`, { token });
  const devices = (token: string) => app.client.get('/auth/devices', { token });
  const forgetDevice = (token: string, id: string) => app.client.send('DELETE', `/auth/devices/${id}`, { token });

  describe('GET /auth/sessions', () => {
    it("lists the caller's live sessions only, newest first, with where they came from and how they were proven", async () => {
      const user = await enrolledUser(app.client);
      const second = await anotherSession(clientAt(app, '127.0.0.2', 'Agent B/1.0'), user);
      // Neither an ended session, nor an idle-expired or absolutely expired one, nor another user's is listed.
      const ended = await anotherSession(app.client, user);
      expect((await app.client.post('/auth/logout', { token: ended.accessToken })).status).toBe(204);
      const idle = await anotherSession(app.client, user);
      await sessions().update({ id: sidOf(idle.accessToken) }, { lastUsedAt: Date.now() - 31 * 24 * 3600_000 });
      const expired = await anotherSession(app.client, user);
      await sessions().update({ id: sidOf(expired.accessToken) }, { expiresAt: Date.now() - 1000 });
      await enrolledUser(app.client);

      const res = await list(second.accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        {
          id: sidOf(second.accessToken),
          current: true,
          createdAt: expect.stringMatching(ISO),
          lastUsedAt: expect.stringMatching(ISO),
          clientAddress: '127.0.0.2',
          createdFromAddress: '127.0.0.2',
          userAgent: 'Agent B/1.0',
          amr: ['pwd', 'otp'],
          acr: MFA,
        },
        {
          id: sidOf(user.accessToken),
          current: false,
          createdAt: expect.stringMatching(ISO),
          lastUsedAt: expect.stringMatching(ISO),
          clientAddress: '127.0.0.1',
          createdFromAddress: '127.0.0.1',
          userAgent: null,
          amr: ['pwd', 'otp'],
          acr: MFA,
        },
      ]);
      expect(Date.parse(res.body[0].createdAt)).toBeGreaterThan(Date.parse(res.body[1].createdAt));
      // The acr is the one the session's access tokens carry.
      expect(res.body[0].acr).toBe(decodeJwt(second.accessToken).claims.acr);
      // The other session marks itself as current.
      const fromFirst = await list(user.accessToken);
      expect(fromFirst.body.map((s: { current: boolean }) => s.current)).toEqual([false, true]);
    });

    it('shows amr and acr as the tokens carry them: a passkey login is phishing-resistant, and stays so after a refresh', async () => {
      const user = await passkeyUser(app.client);
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
      const [listed] = (await list(refreshed.body.accessToken)).body;
      const claims = decodeJwt(refreshed.body.accessToken).claims;
      expect(listed).toMatchObject({ amr: claims.amr, acr: claims.acr });
      expect(listed.acr).toBe('urn:nest-2fa-api:acr:phr');
    });

    it('lists a session from before the upgrade (no amr, auth_time, address or User-Agent) as its refresh reads it', async () => {
      const user = await enrolledUser(app.client);
      await sessions().update(
        { id: sidOf(user.accessToken) },
        { amr: null, authTime: null, createdFromAddress: null, clientAddress: null, userAgent: null, deviceId: null },
      );
      const [listed] = (await list(user.accessToken)).body;
      expect(listed).toMatchObject({
        amr: ['pwd', 'otp'],
        acr: MFA,
        clientAddress: null,
        createdFromAddress: null,
        userAgent: null,
      });
      expect((await devices(user.accessToken)).body.map((d: { current: boolean }) => d.current)).toEqual([false]);
    });

    it('shows the address of the last refresh; the address of the login stays', async () => {
      const user = await enrolledUser(app.client);
      const session = await anotherSession(clientAt(app, '127.0.0.2'), user);
      const refreshed = await clientAt(app, '127.0.0.3').post('/auth/refresh', {
        body: { refreshToken: session.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      const [listed] = (await list(refreshed.body.accessToken)).body;
      expect(listed).toMatchObject({
        id: sidOf(session.accessToken),
        current: true,
        clientAddress: '127.0.0.3',
        createdFromAddress: '127.0.0.2',
      });
      expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(listed.createdAt));
    });

    it('shows a hostile User-Agent escaped and cut to 256 characters, as text', async () => {
      const user = await enrolledUser(app.client);
      // Only TAB and bytes 0x80-0xff of all control characters pass an HTTP parser; the UTF-8 of
      // "ü🔑" and a NEL (U+0085, a line break to some viewers) arrive as Latin-1 characters.
      const hostile = `<script>\t${Buffer.from('ü🔑', 'utf8').toString('latin1')}\u0085${'A'.repeat(10_000)}`;
      const session = await anotherSession(clientAt(app, '127.0.0.2', hostile), user);
      const [listed] = (await list(session.accessToken)).body;
      expect(listed.userAgent.length).toBeLessThanOrEqual(256);
      expect(listed.userAgent).toMatch(/^<script>\\u0009Ã¼ð\\u009f\\u0094\\u0091\\u0085A+$/);
      // eslint-disable-next-line no-control-regex
      expect(listed.userAgent).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      const [device] = (await devices(session.accessToken)).body.filter((d: { current: boolean }) => d.current);
      expect(device.userAgent).toBe(listed.userAgent);
    });

    it('a CR or LF inside a User-Agent never reaches the app: the HTTP parser refuses the request', async () => {
      const user = await enrolledUser(app.client);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: app.t.port, ca: app.t.ca, servername: 'localhost' }, () =>
          socket.write(
            `GET /auth/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${user.accessToken}\r\n` +
              `User-Agent: a\rX-Injected: 1\r\nConnection: close\r\n\r\n`,
          ),
        );
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    });

    it('needs an access token', async () => {
      expectError(await app.client.get('/auth/sessions'), 401);
    });
  });

  describe('DELETE /auth/sessions/:id', () => {
    it('ends another session of the caller: its refresh token and its access token are refused at once', async () => {
      const user = await enrolledUser(app.client);
      const other = await anotherSession(app.client, user);
      expect((await app.client.get('/auth/me', { token: other.accessToken })).status).toBe(200);

      const res = await endSession(user.accessToken, sidOf(other.accessToken));
      expect(res.status).toBe(204);
      expect(log.events('session.ended').at(-1)).toMatchObject({
        sessionId: sidOf(other.accessToken),
        userId: decodeJwt(user.accessToken).claims.sub,
      });
      expectError(await app.client.get('/auth/me', { token: other.accessToken }), 401);
      expectError(await app.client.post('/auth/refresh', { body: { refreshToken: other.refreshToken } }), 401);
      // The caller's own session goes on; the ended one is no longer listed, and a second end finds nothing.
      expect((await list(user.accessToken)).body.map((s: { id: string }) => s.id)).toEqual([sidOf(user.accessToken)]);
      expectError(await endSession(user.accessToken, sidOf(other.accessToken)), 404, NO_SUCH_SESSION);
    });

    it("gives 404, never 403, for another user's session, an unknown, a malformed or an ended id, and ends nothing", async () => {
      const user = await enrolledUser(app.client);
      const victim = await enrolledUser(app.client);
      const ended = await anotherSession(app.client, user);
      await app.client.post('/auth/logout', { token: ended.accessToken });

      const answers = await Promise.all(
        [
          sidOf(victim.accessToken),
          '00000000-0000-4000-8000-000000000000',
          'not-a-uuid',
          `${sidOf(victim.accessToken)}' OR '1'='1`,
          'A'.repeat(100),
          sidOf(ended.accessToken),
        ].map((id) => endSession(user.accessToken, encodeURIComponent(id))),
      );
      for (const res of answers) expectError(res, 404, NO_SUCH_SESSION);
      expect(log.events('session.ended').filter((e) => e.userId === decodeJwt(user.accessToken).claims.sub)).toEqual(
        [],
      );
      // One body for all: nothing tells an existing id from a made-up one.
      expect(new Set(answers.map((res) => JSON.stringify({ ...res.body, requestId: undefined }))).size).toBe(1);

      // The victim's session still works, refresh included.
      expect((await app.client.get('/auth/me', { token: victim.accessToken })).status).toBe(200);
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: victim.refreshToken } });
      expect(refreshed.status).toBe(200);
    });

    it('the same session ended by five concurrent requests: one 204, four 404, one event', async () => {
      const user = await enrolledUser(app.client);
      const other = await anotherSession(app.client, user);
      const sid = sidOf(other.accessToken);
      const answers = await Promise.all(Array.from({ length: 5 }, () => endSession(user.accessToken, sid)));
      expect(answers.map((res) => res.status).sort()).toEqual([204, 404, 404, 404, 404]);
      expect(log.events('session.ended').filter((e) => e.sessionId === sid)).toHaveLength(1);
      expectError(await app.client.get('/auth/me', { token: other.accessToken }), 401);
    });

    it('may end the current session, like logout', async () => {
      const user = await enrolledUser(app.client);
      expect((await endSession(user.accessToken, sidOf(user.accessToken))).status).toBe(204);
      expectError(await app.client.get('/auth/me', { token: user.accessToken }), 401);
      expectError(await app.client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } }), 401);
    });

    it('needs a login of the last 5 minutes: an older token gets the RFC 9470 challenge and ends nothing', async () => {
      const user = await enrolledUser(app.client);
      const other = await anotherSession(app.client, user);
      // The session's auth_time moved 10 minutes back; the refreshed token carries it.
      await sessions().update({ id: sidOf(user.accessToken) }, { authTime: Date.now() - 600_000 });
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
      const stale = refreshed.body.accessToken as string;

      const refused = await endSession(stale, sidOf(other.accessToken));
      expectError(refused, 401, 'A more recent authentication is required');
      expect(refused.headers['www-authenticate']).toBe(CHALLENGE);
      expect((await app.client.get('/auth/me', { token: other.accessToken })).status).toBe(200);
      // Listing needs no fresh login, and logout never does.
      expect((await list(stale)).status).toBe(200);
      expect((await app.client.post('/auth/logout', { token: stale })).status).toBe(204);
    });
  });

  describe('/auth/devices', () => {
    it('lists the devices of full logins, the current one marked; another user sees none of them', async () => {
      const user = await enrolledUser(app.client);
      const second = await anotherSession(clientAt(app, '127.0.0.2', 'Agent B/1.0'), user);
      const other = await enrolledUser(app.client);

      const res = await devices(second.accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        {
          id: expect.any(String),
          current: true,
          createdAt: expect.stringMatching(ISO),
          lastUsedAt: expect.stringMatching(ISO),
          userAgent: 'Agent B/1.0',
        },
        {
          id: expect.any(String),
          current: false,
          createdAt: expect.stringMatching(ISO),
          lastUsedAt: expect.stringMatching(ISO),
          userAgent: null,
        },
      ]);
      expect((await devices(user.accessToken)).body.map((d: { current: boolean }) => d.current)).toEqual([false, true]);
      const theirs = (await devices(other.accessToken)).body;
      expect(theirs).toHaveLength(1);
      expect(res.body.map((d: { id: string }) => d.id)).not.toContain(theirs[0].id);
    });

    it("forgetting a device: 404 for anything not the caller's; the device's token is then unknown", async () => {
      const user = await enrolledUser(app.client);
      const other = await enrolledUser(app.client);
      const [theirs] = (await devices(other.accessToken)).body;
      const [mine] = (await devices(user.accessToken)).body;

      for (const id of [theirs.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        expectError(await forgetDevice(user.accessToken, id), 404, NO_SUCH_DEVICE);
      }
      expect((await devices(other.accessToken)).body).toEqual([theirs]);

      // A password step with the device's token, before the device is forgotten: its failures count on the device.
      const pending = await app.client.post('/auth/login', {
        body: { username: user.username, password: user.password, deviceToken: user.deviceToken },
      });
      expect(pending.status).toBe(200);
      expect((await forgetDevice(user.accessToken, mine.id)).status).toBe(204);
      expect(log.events('session.device_revoked').at(-1)).toMatchObject({ deviceId: mine.id });
      expect((await devices(user.accessToken)).body).toEqual([]);
      expectError(await forgetDevice(user.accessToken, mine.id), 404, NO_SUCH_DEVICE);
      // The pre-auth token bound to the forgotten device is stale: no more attempts on its counter.
      const { code, step } = freshCode(user.secret, user.lastStep);
      expectError(
        await app.client.post('/auth/2fa/verify', { token: pending.body.preAuthToken, body: { code } }),
        401,
        /no longer valid/,
      );
      // Presented again, the old token is unknown: the next full login is a new device.
      const again = await app.client.post('/auth/login', {
        body: { username: user.username, password: user.password, deviceToken: user.deviceToken },
      });
      const verified = await app.client.post('/auth/2fa/verify', { token: again.body.preAuthToken, body: { code } });
      expect(verified.status).toBe(200);
      const [now] = (await devices(verified.body.accessToken)).body;
      expect(now.id).not.toBe(mine.id);
      user.lastStep = step;
      // Forgetting a device ends no session.
      expect((await app.client.get('/auth/me', { token: user.accessToken })).status).toBe(200);
    });

    it('the same device forgotten by five concurrent requests: one 204, four 404, one event', async () => {
      const user = await enrolledUser(app.client);
      const [mine] = (await devices(user.accessToken)).body;
      const answers = await Promise.all(Array.from({ length: 5 }, () => forgetDevice(user.accessToken, mine.id)));
      expect(answers.map((res) => res.status).sort()).toEqual([204, 404, 404, 404, 404]);
      expect(log.events('session.device_revoked').filter((e) => e.deviceId === mine.id)).toHaveLength(1);
    });

    it('forgetting needs a login of the last 5 minutes', async () => {
      const user = await enrolledUser(app.client);
      const [mine] = (await devices(user.accessToken)).body;
      await sessions().update({ id: sidOf(user.accessToken) }, { authTime: Date.now() - 600_000 });
      const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
      const refused = await forgetDevice(refreshed.body.accessToken, mine.id);
      expectError(refused, 401, 'A more recent authentication is required');
      expect(refused.headers['www-authenticate']).toBe(CHALLENGE);
      expect((await devices(user.accessToken)).body).toEqual([mine]);
    });
  });
});
