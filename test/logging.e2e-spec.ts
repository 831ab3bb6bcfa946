import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { CapturedLog } from './support/captured-log';
import { enrolledUser, login, register, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import type { HttpsClient, RequestOptions, Response } from './support/https-client';
import { bootTestApp, type RunningTestApp } from './support/test-app';
import { freshCode, wrongCode } from './support/totp';

const APP_SECRET = randomBytes(32).toString('base64url');
const NEW_PASSWORD = 'another horse battery staple 43!';
const WRONG_PASSWORD = 'definitely not the password 99!';

describe('logs: one JSON line per request, security events, no secrets', () => {
  const log = new CapturedLog();
  let app: RunningTestApp;
  /** Every response the test got, to match against the request lines. */
  const responses: Response[] = [];
  /** Every secret the test used or saw: none may appear in any line. */
  const secrets = new Set<string>([APP_SECRET, STRONG_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD]);
  const codes = new Set<string>();
  /** requestId of the response that should carry each event. */
  const expected: { event: string; requestId: string; fields: Record<string, unknown> }[] = [];

  const send = async (client: HttpsClient, method: string, path: string, options: RequestOptions = {}) => {
    const res = await client.send(method, path, options);
    responses.push(res);
    const secretFields = [
      'preAuthToken',
      'accessToken',
      'refreshToken',
      'deviceToken',
      'enrollmentTicket',
      'secret',
      'otpauthUrl',
      'qrCodeDataUrl',
    ];
    for (const key of secretFields) {
      if (typeof res.body?.[key] === 'string') secrets.add(res.body[key]);
    }
    for (const code of res.body?.recoveryCodes ?? []) secrets.add(code);
    return res;
  };
  const expectEvent = (event: string, res: Response, fields: Record<string, unknown> = {}) =>
    expected.push({ event, requestId: String(res.headers['x-request-id']), fields });

  beforeAll(async () => {
    app = await bootTestApp(
      {
        LOG_LEVEL: 'info',
        APP_SECRET,
        IP_ALLOWLIST: '127.0.0.1/32,127.0.0.2/32',
        RATE_LIMIT_2FA: '30/60',
        LOCKOUT_THRESHOLD: '5',
      },
      { logDestination: log.stream },
    );
    const c = app.client;

    // User A: the login flow with its failures.
    const a = uniqueUsername('alice');
    let res = await send(c, 'POST', '/auth/register', { body: { username: a, password: STRONG_PASSWORD } });
    expect(res.status).toBe(201);
    const aId = res.body.id as string;
    const aTicket = res.body.enrollmentTicket as string;
    expectEvent('auth.register', res, { userId: aId, username: a });
    res = await send(c, 'POST', '/auth/login', { body: { username: a, password: WRONG_PASSWORD } });
    expect(res.status).toBe(401);
    expectEvent('auth.login.failed', res, { username: a });
    res = await send(c, 'POST', '/auth/login', { body: { username: a, password: STRONG_PASSWORD } });
    expectEvent('auth.login.password_ok', res, { userId: aId });
    let preAuth = res.body.preAuthToken as string;
    res = await send(c, 'POST', '/auth/2fa/setup', { token: preAuth, body: { enrollmentTicket: aTicket } });
    const secret = res.body.secret as string;
    const first = freshCode(secret, null);
    codes.add(first.code);
    res = await send(c, 'POST', '/auth/2fa/enable', { token: preAuth, body: { code: first.code } });
    expect(res.status).toBe(200);
    expectEvent('auth.2fa.enrolled', res, { userId: aId });
    expectEvent('auth.login.succeeded', res, { userId: aId, method: 'enrollment', newDevice: true });
    const recoveryCodes = res.body.recoveryCodes as string[];

    res = await send(c, 'POST', '/auth/login', { body: { username: a, password: STRONG_PASSWORD } });
    preAuth = res.body.preAuthToken as string;
    const wrong = wrongCode(secret);
    codes.add(wrong);
    res = await send(c, 'POST', '/auth/2fa/verify', { token: preAuth, body: { code: wrong } });
    expect(res.status).toBe(401);
    expectEvent('auth.totp.failed', res, { userId: aId });
    const second = freshCode(secret, first.step);
    codes.add(second.code);
    res = await send(c, 'POST', '/auth/2fa/verify', { token: preAuth, body: { code: second.code } });
    expect(res.status).toBe(200);
    expectEvent('auth.login.succeeded', res, { userId: aId, method: 'totp' });
    res = await send(c, 'POST', '/auth/login', { body: { username: a, password: STRONG_PASSWORD } });
    res = await send(c, 'POST', '/auth/2fa/verify', { token: res.body.preAuthToken, body: { code: second.code } });
    expect(res.status).toBe(401);
    expectEvent('auth.totp.replay', res, { userId: aId });

    res = await send(c, 'POST', '/auth/login', { body: { username: a, password: STRONG_PASSWORD } });
    res = await send(c, 'POST', '/auth/2fa/verify', {
      token: res.body.preAuthToken,
      body: { recoveryCode: recoveryCodes[0] },
    });
    expect(res.status).toBe(200);
    expectEvent('auth.recovery_code.used', res, { userId: aId, remaining: 9 });
    const { accessToken, refreshToken } = res.body as { accessToken: string; refreshToken: string };
    res = await send(c, 'POST', '/auth/refresh', { body: { refreshToken } });
    expect(res.status).toBe(200);
    res = await send(c, 'POST', '/auth/refresh', { body: { refreshToken } });
    expect(res.status).toBe(401);
    expectEvent('session.refresh.reuse', res, { userId: aId });

    res = await send(c, 'POST', '/auth/login', { body: { username: a, password: STRONG_PASSWORD } });
    res = await send(c, 'POST', '/auth/2fa/verify', {
      token: res.body.preAuthToken,
      body: { recoveryCode: recoveryCodes[1] },
    });
    res = await send(c, 'POST', '/auth/logout', { token: res.body.accessToken });
    expect(res.status).toBe(204);
    expectEvent('session.logout', res, { userId: aId });
    secrets.add(accessToken);

    // User B: password change. User C: 2FA reset (each needs its own fresh TOTP step).
    const b = await enrolledUser(c);
    [b.accessToken, b.refreshToken, b.deviceToken, b.secret, ...b.recoveryCodes].forEach((s) => secrets.add(s));
    const bCode = freshCode(b.secret, b.lastStep).code;
    codes.add(bCode);
    res = await send(c, 'POST', '/auth/password', {
      token: b.accessToken,
      body: { currentPassword: b.password, newPassword: NEW_PASSWORD, code: bCode },
    });
    expect(res.status).toBe(204);
    expectEvent('auth.password.changed', res);

    const cUser = await enrolledUser(c);
    [cUser.accessToken, cUser.refreshToken, cUser.deviceToken, cUser.secret, ...cUser.recoveryCodes].forEach((s) =>
      secrets.add(s),
    );
    const cCode = freshCode(cUser.secret, cUser.lastStep).code;
    codes.add(cCode);
    res = await send(c, 'POST', '/auth/2fa/reset', {
      token: cUser.accessToken,
      body: { password: cUser.password, code: cCode },
    });
    expect(res.status).toBe(200);
    expectEvent('auth.2fa.reset', res);
    expectEvent('auth.enrollment_ticket.issued', res);

    // Lockout of a username (existing or not), IP refusal, rate limit.
    const ghost = uniqueUsername('ghost');
    for (let i = 0; i < 5; i += 1)
      await send(c, 'POST', '/auth/login', { body: { username: ghost, password: WRONG_PASSWORD } });
    res = await send(c, 'POST', '/auth/login', { body: { username: ghost, password: WRONG_PASSWORD } });
    expect(res.status).toBe(429);
    expectEvent('auth.lockout', res, { username: ghost });

    res = await send(c.as('127.0.0.3'), 'GET', '/auth/me?token=not-logged');
    expect(res.status).toBe(403);
    expectEvent('net.ip.refused', res, { clientAddress: '127.0.0.3', route: '/auth/me' });

    const limited = c.as('127.0.0.2');
    for (let i = 0; i < 30; i += 1) await send(limited, 'POST', '/auth/2fa/verify', { body: { code: '123456' } });
    res = await send(limited, 'POST', '/auth/2fa/verify', { body: { code: '123456' } });
    expect(res.status).toBe(429);
    expectEvent('net.rate_limit.refused', res, { clientAddress: '127.0.0.2', bucket: '2fa' });

    // Logins that registered users B and C in enrolledUser happened through the
    // flows helpers: their tokens are in `secrets` via the returned user objects.
    await register(c, uniqueUsername('dora'));
    secrets.add(await login(c, b.username, NEW_PASSWORD));
    for (const r of responses) expect(r.headers['x-request-id']).toBeDefined();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('writes every line as JSON, Nest own bootstrap messages included', () => {
    expect(log.raw.length).toBeGreaterThan(0);
    expect(() => log.lines).not.toThrow();
    expect(log.lines.some((line) => line.context === 'NestFactory' || line.context === 'NestApplication')).toBe(true);
    for (const line of log.lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes one request line per request: request id, client address, route, status, duration', () => {
    const requestLines = log.lines.filter((line) => line.msg === 'request completed' || line.msg === 'request failed');
    const byId = new Map<string, Record<string, any>[]>();
    for (const line of requestLines) byId.set(line.requestId, [...(byId.get(line.requestId) ?? []), line]);
    for (const res of responses) {
      const lines = byId.get(String(res.headers['x-request-id'])) ?? [];
      expect(lines).toHaveLength(1);
      const [line] = lines;
      expect(line.status).toBe(res.status);
      expect(line.clientAddress).toMatch(/^127\.0\.0\.[123]$/);
      expect(typeof line.durationMs).toBe('number');
      expect(typeof line.method).toBe('string');
      // The pattern, never the URL with its query.
      expect(line.route).toMatch(/^\/(auth|health)/);
      expect(JSON.stringify(line)).not.toContain('?');
      expect(line).not.toHaveProperty('req');
      expect(line).not.toHaveProperty('res');
    }
    const refused = requestLines.find((line) => line.clientAddress === '127.0.0.3');
    expect(refused).toMatchObject({ status: 403, route: '/auth/me', method: 'GET' });
  });

  it('records each security event with time, name, user, client address and request id', () => {
    for (const { event, requestId, fields } of expected) {
      const found = log.events(event).filter((line) => line.requestId === requestId);
      expect({ event, count: found.length }).toEqual({ event, count: 1 });
      expect(found[0]).toMatchObject({ clientAddress: expect.stringMatching(/^127\.0\.0\.[123]$/), ...fields });
      expect(found[0].time).toMatch(/Z$/);
      expect(found[0].userId ?? found[0].username ?? found[0].clientAddress).toBeTruthy();
    }
    const names = new Set(expected.map((e) => e.event));
    expect(names.size).toBeGreaterThanOrEqual(15);
  });

  it('writes "request aborted" for a client that leaves before its request is complete', async () => {
    const req = httpsRequest({
      host: '127.0.0.1',
      port: app.t.port,
      method: 'POST',
      path: '/auth/login',
      ca: app.t.ca,
      servername: 'localhost',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': 100 },
    });
    req.on('error', () => undefined);
    // Half of the announced body: the server waits for the rest, and gets a closed connection instead.
    req.write('{"username":"someone",');
    const [socket] = (await once(req, 'socket')) as [Socket];
    if (socket.connecting) await once(socket, 'secureConnect');
    await new Promise((resolve) => req.write('', resolve));
    req.destroy();
    const aborted = () => log.lines.filter((line) => line.msg === 'request aborted');
    for (let i = 0; i < 200 && aborted().length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(aborted()).toHaveLength(1);
    expect(aborted()[0]).toMatchObject({ method: 'POST', route: '/auth/login', clientAddress: '127.0.0.1' });
    expect(aborted()[0].requestId).toEqual(expect.any(String));
  });

  it('never writes a password, code, token or secret', () => {
    const text = log.raw.join('\n');
    expect(secrets.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      if (text.includes(secret)) throw new Error(`a secret appears in the log: ${secret.slice(0, 4)}…`);
    }
    for (const code of codes) {
      // Six digits: bounded, so a UUID or timestamp that happens to contain them does not count.
      expect(text).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`));
    }
    expect(text.toLowerCase()).not.toContain('bearer');
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});
