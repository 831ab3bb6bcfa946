import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEBHOOK_TYPES } from '../src/webhooks/webhook-payload';
import { cli } from './support/cli';
import { expectError } from './support/expect-error';
import { enrolledUser, uniqueUsername, type EnrolledUser } from './support/flows';
import type { HttpsClient } from './support/https-client';
import { schemaViolations, type OpenApiDocument } from './support/openapi-schema';
import { addPasskey, PASSKEY_ENV, PASSKEY_ORIGIN, passkeyUser } from './support/passkeys';
import { startServerProcess } from './support/server-process';
import { SoftAuthenticator } from './support/soft-authenticator';
import { startupEnvironment, startupError } from './support/startup';
import { bootTestApp, removeDataDir, type RunningTestApp } from './support/test-app';
import { freshCode } from './support/totp';
import { WebhookReceiver, type WebhookPayload } from './support/webhook-receiver';

/**
 * Security webhooks against a local HTTPS receiver: what is sent (and what
 * never is), signatures checked by the Standard Webhooks reference
 * implementation, retries until the receiver recovers, order per user, a
 * restart mid-retry, and requests that never wait for the receiver. "Not
 * sent" is shown through order: a user's events arrive in the order they
 * happened, so once a later event of that user has arrived, an earlier one
 * that was not there was never queued.
 */
jest.setTimeout(30_000);

const UA = 'WebhookTest/1.0 (e2e)';

const userIdOf = async (client: HttpsClient, accessToken: string) =>
  (await client.get('/auth/me', { token: accessToken })).body.id as string;

/**
 * A full login with the user's next recovery code (a TOTP step can be spent
 * once, and a test logs in more often than steps pass), optionally
 * presenting a device token, from a given address.
 */
async function fullLogin(
  client: HttpsClient,
  user: EnrolledUser,
  options: { deviceToken?: string; address?: string } = {},
) {
  const from = options.address ? client.as(options.address) : client;
  const password = await from.post('/auth/login', {
    headers: { 'user-agent': UA },
    body: {
      username: user.username,
      password: user.password,
      ...(options.deviceToken ? { deviceToken: options.deviceToken } : {}),
    },
  });
  expect(password.status).toBe(200);
  const recoveryCode = user.recoveryCodes.pop();
  const res = await from.post('/auth/2fa/verify', {
    token: password.body.preAuthToken,
    headers: { 'user-agent': UA },
    body: { recoveryCode },
  });
  expect(res.status).toBe(200);
  return res.body as { accessToken: string; refreshToken: string; deviceToken: string };
}

describe('security webhooks', () => {
  let receiver: WebhookReceiver;
  let app: RunningTestApp;
  /** Every secret value a test saw: none may appear in any webhook body. */
  const secrets = new Set<string>();
  const remember = (...values: unknown[]) => {
    for (const value of values.flat()) if (typeof value === 'string' && value.length >= 6) secrets.add(value);
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    app = await bootTestApp({ ...PASSKEY_ENV, ...receiver.env(), LOCKOUT_THRESHOLD: '3' });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });
  afterEach(() => receiver.answerWith(200));

  /** enrolledUser, remembering its secrets; its own enrollment sends auth.2fa.enrolled then auth.login.new_device. */
  async function user(): Promise<EnrolledUser & { id: string }> {
    const enrolled = await enrolledUser(app.client, uniqueUsername('hook'));
    remember(enrolled.password, enrolled.secret, enrolled.accessToken, enrolled.refreshToken, enrolled.deviceToken);
    remember(enrolled.recoveryCodes);
    return { ...enrolled, id: await userIdOf(app.client, enrolled.accessToken) };
  }

  it('a login from a new device sends auth.login.new_device, signed, with address and user agent and no token; a login with the device token sends nothing', async () => {
    const u = await user();
    const known = await fullLogin(app.client, u, { deviceToken: u.deviceToken });
    remember(known.accessToken, known.refreshToken, known.deviceToken);
    const fresh = await fullLogin(app.client, u, { address: '127.0.0.9' });
    remember(fresh.accessToken, fresh.refreshToken, fresh.deviceToken);

    const events = await receiver.eventsFor(u.id, 3);
    // The login with the device token is not among them: the one after it is third.
    expect(events.map((e) => e.type)).toEqual(['auth.2fa.enrolled', 'auth.login.new_device', 'auth.login.new_device']);
    const newDevice = events[2];
    expect(newDevice).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f-]{36}$/),
      type: 'auth.login.new_device',
      timestamp: expect.any(String),
      data: {
        userId: u.id,
        username: u.username,
        clientAddress: '127.0.0.9',
        userAgent: UA,
        time: newDevice.timestamp,
        actor: 'api',
        deviceId: expect.any(String),
        method: 'recovery-code',
      },
    });
    expect(newDevice.data.deviceId).not.toBe(events[1].data.deviceId);

    const request = receiver.received.find((r) => r.body.includes(newDevice.id))!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(newDevice.id);
    expect(request.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // Control for the verifier: a changed body fails it.
    expect(() => receiver.verify({ ...request, body: request.body.replace('127.0.0.9', '127.0.0.8') })).toThrow();
  });

  it('a passkey login without a device token is a new device too (passwordless included); with it, nothing', async () => {
    const pk = await passkeyUser(app.client);
    remember(pk.password, pk.accessToken, pk.refreshToken, pk.deviceToken, pk.recoveryCodes);
    const loginVerify = async (deviceToken?: string) => {
      const options = await app.client.post('/auth/webauthn/login/options');
      const res = await app.client.post('/auth/webauthn/login/verify', {
        body: { response: pk.authenticator.assert(options.body), ...(deviceToken ? { deviceToken } : {}) },
      });
      expect(res.status).toBe(200);
      remember(res.body.accessToken, res.body.refreshToken, res.body.deviceToken);
      return res.body;
    };
    await loginVerify(pk.deviceToken);
    await loginVerify();
    const events = await receiver.eventsFor(pk.id, 4);
    expect(events.map((e) => [e.type, e.data.method])).toEqual([
      ['auth.webauthn.registered', undefined],
      ['auth.2fa.enrolled', undefined],
      ['auth.login.new_device', 'webauthn-enrollment'],
      ['auth.login.new_device', 'passwordless'],
    ]);
    expect(events[0].data.credential).toMatch(/^[\w-]{8}$/);
  });

  it('password change, 2FA reset, refresh-token reuse, lockout and a new passkey each send their type', async () => {
    const a = await user();
    const refreshed = await app.client.post('/auth/refresh', { body: { refreshToken: a.refreshToken } });
    expect(refreshed.status).toBe(200);
    remember(refreshed.body.accessToken, refreshed.body.refreshToken);
    expectError(await app.client.post('/auth/refresh', { body: { refreshToken: a.refreshToken } }), 401);

    const b = await user();
    const { code } = freshCode(b.secret, b.lastStep);
    const newPassword = 'another horse battery staple 43!';
    remember(newPassword);
    const changed = await app.client.post('/auth/password', {
      token: b.accessToken,
      body: { currentPassword: b.password, newPassword, code },
    });
    expect(changed.status).toBe(204);

    const c = await user();
    const reset = await app.client.post('/auth/2fa/reset', {
      token: c.accessToken,
      body: { password: c.password, code: freshCode(c.secret, c.lastStep).code },
    });
    expect(reset.status).toBe(200);
    remember(reset.body.enrollmentTicket);

    const d = await user();
    for (let i = 0; i < 3; i += 1) {
      expectError(
        await app.client.post('/auth/login', { body: { username: d.username, password: 'wrong one!' } }),
        401,
      );
    }
    expect(
      (await app.client.post('/auth/login', { body: { username: d.username, password: d.password } })).status,
    ).toBe(429);

    const e = await user();
    await addPasskey(app.client, e.accessToken, new SoftAuthenticator({ origin: PASSKEY_ORIGIN }));

    const last = async (u: { id: string }) => (await receiver.eventsFor(u.id, 3))[2];
    expect(await last(a)).toMatchObject({
      type: 'auth.refresh.reuse_detected',
      data: { userId: a.id, sessionId: expect.any(String) },
    });
    expect(await last(b)).toMatchObject({ type: 'auth.password.changed', data: { userId: b.id } });
    expect(await last(c)).toMatchObject({ type: 'auth.2fa.reset', data: { userId: c.id } });
    expect(await last(d)).toMatchObject({
      type: 'auth.lockout',
      data: { userId: d.id, username: d.username, retryAfterSeconds: expect.any(Number) },
    });
    expect(await last(e)).toMatchObject({ type: 'auth.webauthn.registered', data: { userId: e.id } });
  });

  it("the admin CLI's 2FA reset sends auth.2fa.reset too (actor cli, no address), delivered by the API", async () => {
    const u = await user();
    // The CLI on the app's database and configuration, webhook included: it writes, the API delivers.
    const reset = await cli(app.t.dataDir, ['user:reset-2fa', u.username], { env: app.t.env });
    expect(reset.code).toBe(0);
    // The new enrollment ticket, printed alone on an indented line.
    const ticket = /^ {2}([\w-]{43})$/m.exec(reset.stdout)?.[1];
    expect(ticket).toEqual(expect.any(String));
    remember(ticket);
    const events = await receiver.eventsFor(u.id, 3);
    expect(events[2]).toMatchObject({
      type: 'auth.2fa.reset',
      data: { userId: u.id, username: u.username, actor: 'cli', clientAddress: null, userAgent: null },
    });
  });

  it('no body ever carries a token, code, secret or password', async () => {
    const bodies = receiver.received.map((r) => r.body);
    expect(bodies.length).toBeGreaterThan(10);
    // Control: the scan finds what is there.
    expect(bodies.some((body) => body.includes('auth.login.new_device'))).toBe(true);
    for (const secret of secrets) for (const body of bodies) expect(body).not.toContain(secret);
    // No key that names one either.
    for (const body of bodies) expect(body).not.toMatch(/"\w*(token|secret|password|code|ticket)\w*":/i);
  });

  it('every request is what the OpenAPI document publishes: body per SecurityWebhookDto, headers per x-webhooks', async () => {
    const res = await app.client.get<OpenApiDocument>('/docs-json');
    expect(res.status).toBe(200);
    const doc = res.body;
    const post = doc['x-webhooks']!.securityEvent.post;
    const requests = receiver.received.filter((r) => r.status !== null && r.status < 300);
    // Every type the earlier tests caused, so the schema is checked against each kind of data.
    const types = new Set(requests.map((r) => (JSON.parse(r.body) as WebhookPayload).type));
    expect([...types].sort()).toEqual([...WEBHOOK_TYPES].sort());
    for (const request of requests) {
      const body: unknown = JSON.parse(request.body);
      expect(schemaViolations(doc, post.requestBody!.content['application/json'].schema, body, 'body')).toEqual([]);
      for (const parameter of post.parameters ?? []) {
        const value = request.headers[parameter.name];
        expect(schemaViolations(doc, parameter.schema, value, parameter.name)).toEqual([]);
      }
    }
    // Control: the checker sees a field the schema does not list, and a type it does not know.
    const sample = JSON.parse(requests[0].body) as Record<string, unknown>;
    const schema = post.requestBody!.content['application/json'].schema;
    expect(schemaViolations(doc, schema, { ...sample, extra: 1 }, 'body')).toEqual(['body.extra: not in the schema']);
    expect(schemaViolations(doc, schema, { ...sample, type: 'auth.other' }, 'body')).toEqual([
      'body.type: "auth.other" is not in the enum',
    ]);
  });

  it('a receiver answering 503 for a while gets every event exactly once, in order per user, and /health/ready stays 200', async () => {
    receiver.answerWith(503);
    const before = receiver.received.length;
    const users = [await user(), await user()];
    for (const u of users) await fullLogin(app.client, u);
    // Several refused attempts per event: retries are happening, the receiver is "down".
    await receiver.until(() => receiver.received.length >= before + 8);
    expect((await app.client.get('/health/ready')).status).toBe(200);
    receiver.answerWith(200);

    for (const u of users) {
      const events = await receiver.eventsFor(u.id, 3);
      expect(events.map((e) => e.type)).toEqual([
        'auth.2fa.enrolled',
        'auth.login.new_device',
        'auth.login.new_device',
      ]);
    }
    const ids = receiver.delivered().map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The refused attempts were retries of the same events: same id, same body, each delivered once.
    const refused = receiver.received.slice(before).filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(8);
    for (const r of refused) {
      const payload = receiver.verify(r);
      const deliveredBody = receiver.received.find((x) => x.status === 200 && receiver.verify(x).id === payload.id);
      expect(deliveredBody?.body).toBe(r.body);
    }
  });

  it('a receiver that never answers: the login still succeeds, and the event arrives once it answers again', async () => {
    receiver.answerWith('hang');
    const before = receiver.received.length;
    const u = await enrolledUser(app.client, uniqueUsername('hang'));
    expect(u.accessToken).toEqual(expect.any(String));
    const again = await fullLogin(app.client, u, { address: '127.0.0.11' });
    expect(again.accessToken).toEqual(expect.any(String));
    expect((await app.client.get('/health/ready')).status).toBe(200);
    await receiver.until(() => receiver.received.length > before);
    receiver.answerWith(200);
    const id = await userIdOf(app.client, again.accessToken);
    expect((await receiver.eventsFor(id, 3)).map((e) => e.type)).toEqual([
      'auth.2fa.enrolled',
      'auth.login.new_device',
      'auth.login.new_device',
    ]);
  });
});

describe('security webhooks across a restart', () => {
  it('an API stopped mid-retry and started again on the same database still delivers', async () => {
    const receiver = await WebhookReceiver.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-webhook-restart-'));
    try {
      receiver.answerWith(503);
      const first = await startServerProcess(dataDir, receiver.env());
      const username = uniqueUsername('restart');
      try {
        await enrolledUser(first.client, username);
        await receiver.until(() => receiver.received.filter((r) => r.status === 503).length >= 2);
      } finally {
        expect([0, 'SIGTERM']).toContain(await first.stop('SIGTERM'));
      }
      receiver.answerWith(200);
      const second = await startServerProcess(dataDir, receiver.env());
      try {
        const delivered = await receiver.until(() => {
          const events = receiver.delivered().filter((p) => p.data.username === username);
          return events.length >= 2 ? events : undefined;
        });
        expect(delivered.map((p: WebhookPayload) => p.type)).toEqual(['auth.2fa.enrolled', 'auth.login.new_device']);
      } finally {
        await second.stop('SIGTERM');
      }
    } finally {
      await receiver.close();
      removeDataDir(dataDir);
    }
  });
});

describe('security webhook configuration', () => {
  const base = () => ({
    ...startupEnvironment(),
    SECURITY_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  });

  it('refuses an http URL at startup, in every environment', async () => {
    for (const NODE_ENV of ['test', 'development']) {
      const error = await startupError({ ...base(), NODE_ENV, SECURITY_WEBHOOK_URL: 'http://127.0.0.1:9/hooks' });
      expect(error.message).toMatch(/SECURITY_WEBHOOK_URL: must be an https:\/\/ URL/);
    }
  });

  it('refuses a secret shorter than 32 bytes, a secret not in whsec_ form, and a URL without a secret', async () => {
    const url = 'https://127.0.0.1:9/hooks';
    const short = `whsec_${Buffer.alloc(31, 7).toString('base64')}`;
    expect(
      (await startupError({ ...base(), SECURITY_WEBHOOK_URL: url, SECURITY_WEBHOOK_SECRET: short })).message,
    ).toMatch(/SECURITY_WEBHOOK_SECRET: must hold at least 32 bytes/);
    expect(
      (await startupError({ ...base(), SECURITY_WEBHOOK_URL: url, SECURITY_WEBHOOK_SECRET: 'a'.repeat(64) })).message,
    ).toMatch(/SECURITY_WEBHOOK_SECRET: expected whsec_/);
    expect((await startupError({ ...base(), SECURITY_WEBHOOK_URL: url, SECURITY_WEBHOOK_SECRET: '' })).message).toMatch(
      /SECURITY_WEBHOOK_SECRET: required with SECURITY_WEBHOOK_URL/,
    );
  });
});
