import { expectTooMany } from './support/expect-error';
import { enrolledUser, login, register, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import type { HttpsClient, Response } from './support/https-client';
import { useTestApp, withTestApp } from './support/test-app';
import { freshCode, wrongCode } from './support/totp';

/**
 * Per-address limits (default, login, 2fa) and the per-account lockout. Each
 * client is a distinct loopback source address; no assertion depends on how
 * long anything takes, only on counts.
 */

const WRONG_PASSWORD = `${STRONG_PASSWORD}-wrong`;

/** Nothing may tell a client how much budget is left, nor which named limiter it is under. */
function expectNoLimitHeaders(res: Response): void {
  const leaked = Object.keys(res.headers).filter((name) => /^x-ratelimit|^retry-after-|^ratelimit/i.test(name));
  expect(leaked).toEqual([]);
}

const badLogin = (client: HttpsClient, username = uniqueUsername('nobody')) =>
  client.post('/auth/login', { body: { username, password: WRONG_PASSWORD } });

describe('per-address rate limits (DEFAULT=6/60, LOGIN=3/60, 2FA=2/60)', () => {
  const app = useTestApp({ RATE_LIMIT_DEFAULT: '6/60', RATE_LIMIT_LOGIN: '3/60', RATE_LIMIT_2FA: '2/60' });

  it('default limiter on /health: 6 served, then 429 with Retry-After and no X-RateLimit-* headers', async () => {
    const c = app.client.as('127.0.0.10');
    const responses: Response[] = [];
    for (let i = 0; i < 8; i += 1) responses.push(await c.get('/health'));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expectTooMany(responses[6], 60);
    expectTooMany(responses[7], 60);
    responses.forEach(expectNoLimitHeaders);
    // The 429 is an ordinary error response: security headers and request id.
    expect(responses[6].headers['strict-transport-security']).toBeDefined();
    expect(responses[6].headers['cache-control']).toBe('no-store');
    expect(responses[6].headers['x-request-id']).toBe(responses[6].body.requestId);
  });

  it('login limiter on /auth/login: 3 evaluated, then 429 although the default budget is not spent', async () => {
    const c = app.client.as('127.0.0.11');
    const responses: Response[] = [];
    for (let i = 0; i < 5; i += 1) responses.push(await badLogin(c));
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401, 429, 429]);
    expectTooMany(responses[3], 60);
    responses.forEach(expectNoLimitHeaders);
    // The login bucket is not the default one: other routes still answer.
    expect((await c.get('/health')).status).toBe(200);
  });

  it('/auth/login and /auth/register share one login budget per address', async () => {
    const c = app.client.as('127.0.0.12');
    const register = (username = uniqueUsername('reg')) =>
      c.post('/auth/register', { body: { username, password: STRONG_PASSWORD } });
    expect((await badLogin(c)).status).toBe(401);
    expect((await register()).status).toBe(201);
    expect((await badLogin(c)).status).toBe(401);
    const fourth = await register();
    expectTooMany(fourth, 60);
    expectNoLimitHeaders(fourth);
    expectTooMany(await badLogin(c), 60);
    // Invalid input is counted too: it is still a try.
    expectTooMany(await c.post('/auth/login', { body: { username: '', password: '' } }), 60);
  });

  it('2fa limiter on /auth/2fa/*: counted before the token is checked, shared by the 2FA routes', async () => {
    const c = app.client.as('127.0.0.13');
    expect((await c.post('/auth/2fa/verify', { body: { code: '123456' } })).status).toBe(401);
    expect((await c.post('/auth/2fa/verify', { token: 'forged', body: { code: '123456' } })).status).toBe(401);
    const third = await c.post('/auth/2fa/verify', { body: { code: '123456' } });
    expectTooMany(third, 60);
    expectNoLimitHeaders(third);
    expectTooMany(await c.post('/auth/2fa/enable', { body: { code: '123456' } }), 60);
    expectTooMany(await c.post('/auth/2fa/setup'), 60);
    // Neither the login bucket nor the default one is touched by it.
    expect((await badLogin(c)).status).toBe(401);
  });

  it('/auth/password shares the 2fa budget with /auth/2fa/reset: a stolen token cannot guess the password at the default rate', async () => {
    const c = app.client.as('127.0.0.22');
    const body = { currentPassword: WRONG_PASSWORD, newPassword: `${STRONG_PASSWORD}-new`, code: '123456' };
    expect((await c.post('/auth/password', { token: 'forged', body })).status).toBe(401);
    expect((await c.post('/auth/2fa/reset', { token: 'forged', body: { password: WRONG_PASSWORD } })).status).toBe(401);
    const third = await c.post('/auth/password', { token: 'forged', body });
    expectTooMany(third, 60);
    expectNoLimitHeaders(third);
    // The default budget (6) is not what stopped it.
    expect((await c.get('/health')).status).toBe(200);
  });

  it('a flood with a bad token on /auth/me gets 429, not 401, once over the default limit', async () => {
    const c = app.client.as('127.0.0.14');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await c.get('/auth/me', { token: 'bad.token.here' })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429, 429, 429]);
    expectTooMany(await c.get('/auth/me'), 60);
  });

  it('counts per client address: 127.0.0.15 exhausted, 127.0.0.16 unaffected', async () => {
    const a = app.client.as('127.0.0.15');
    const b = app.client.as('127.0.0.16');
    for (let i = 0; i < 6; i += 1) expect((await a.get('/health')).status).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await badLogin(b)).status).toBe(401);
    expectTooMany(await a.get('/health'), 60);
    expectTooMany(await badLogin(b), 60);
    expect((await b.get('/health')).status).toBe(200);
    expect((await app.client.as('127.0.0.17').get('/health')).status).toBe(200);
    expect((await badLogin(app.client.as('127.0.0.17'))).status).toBe(401);
  });

  it('changing X-Forwarded-For from an untrusted peer changes nothing', async () => {
    const c = app.client.as('127.0.0.18');
    for (let i = 0; i < 6; i += 1) {
      // Each request claims to be someone else: still one client.
      expect((await c.get('/health', { headers: { 'X-Forwarded-For': `10.0.0.${i + 1}` } })).status).toBe(200);
    }
    for (const xff of ['10.0.0.99', '127.0.0.19', '::1', 'garbage']) {
      expectTooMany(await c.get('/health', { headers: { 'X-Forwarded-For': xff } }), 60);
    }
    expectTooMany(await c.get('/health', { headers: { 'X-Real-IP': '10.0.0.99', Forwarded: 'for=10.0.0.99' } }), 60);
  });
});

describe('per-client limits behind a trusted proxy (TRUSTED_PROXIES=127.0.0.9/32, DEFAULT=3/60)', () => {
  const app = useTestApp({
    TRUSTED_PROXIES: '127.0.0.9/32',
    IP_ALLOWLIST: '0.0.0.0/0,::/0',
    RATE_LIMIT_DEFAULT: '3/60',
  });

  const via = (xff: string) => app.client.as('127.0.0.9').get('/health', { headers: { 'X-Forwarded-For': xff } });

  it('counts the forwarded client, not the proxy: 10.0.0.1 exhausted, 10.0.0.2 through the same proxy unaffected', async () => {
    expect([(await via('10.0.0.1')).status, (await via('10.0.0.1')).status, (await via('10.0.0.1')).status]).toEqual([
      200, 200, 200,
    ]);
    expectTooMany(await via('10.0.0.1'), 60);
    // A spoofed leftmost entry does not make a new client either.
    expectTooMany(await via('203.0.113.50, 10.0.0.1'), 60);
    expect((await via('10.0.0.2')).status).toBe(200);
    expect((await via('203.0.113.50, 10.0.0.2')).status).toBe(200);
  });

  it('counts IPv6 clients per /64', async () => {
    expect((await via('2001:db8::1')).status).toBe(200);
    expect((await via('2001:db8::2')).status).toBe(200);
    expect((await via('2001:db8::ffff:ffff:ffff:ffff')).status).toBe(200);
    expectTooMany(await via('2001:db8:0:0:1234::9'), 60);
    expect((await via('2001:db8:0:1::1')).status).toBe(200);
  });
});

describe('exact counts under concurrency', () => {
  it('20 simultaneous logins against RATE_LIMIT_LOGIN=5/60 let exactly 5 through', () =>
    withTestApp({ RATE_LIMIT_LOGIN: '5/60' }, async ({ client }) => {
      const c = client.as('127.0.0.20');
      // Distinct usernames, so the account lockout is not what refuses.
      const responses = await Promise.all(Array.from({ length: 20 }, () => badLogin(c)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s !== 429)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      responses.filter((r) => r.status === 429).forEach((r) => expectTooMany(r, 60));
      expectTooMany(await badLogin(c), 60);
    }));

  it('25 simultaneous requests against RATE_LIMIT_DEFAULT=7/60 let exactly 7 through', () =>
    withTestApp({ RATE_LIMIT_DEFAULT: '7/60' }, async ({ client }) => {
      const c = client.as('127.0.0.21');
      const statuses = (await Promise.all(Array.from({ length: 25 }, () => c.get('/health')))).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(7);
      expect(statuses.filter((s) => s === 429)).toHaveLength(18);
    }));
});

describe('account lockout (LOCKOUT_THRESHOLD=3, LOCKOUT_SECONDS=900, per-address limits relaxed)', () => {
  const app = useTestApp({ LOCKOUT_THRESHOLD: '3', LOCKOUT_SECONDS: '900' });

  const from = (n: number) => app.client.as(`127.0.0.${n}`);
  const strip = ({ requestId, ...rest }: Record<string, unknown>) => rest;

  it('3 wrong passwords from three addresses lock the account: the right password from a fourth gets 429', async () => {
    const { username } = await register(app.client);
    for (const n of [2, 3, 4]) {
      expect((await from(n).post('/auth/login', { body: { username, password: WRONG_PASSWORD } })).status).toBe(401);
    }
    const locked = await from(5).post('/auth/login', { body: { username, password: STRONG_PASSWORD } });
    const retryAfter = expectTooMany(locked, 900);
    // The lockout's wait, not a rate-limit window's.
    expect(retryAfter).toBeGreaterThan(60);
    expectNoLimitHeaders(locked);
    expectTooMany(await from(6).post('/auth/login', { body: { username, password: WRONG_PASSWORD } }), 900);
    // Other accounts are not affected.
    const other = await register(app.client);
    expect(
      (await from(5).post('/auth/login', { body: { username: other.username, password: STRONG_PASSWORD } })).status,
    ).toBe(200);
  });

  it('locks an unknown username the same way, with the same answers', async () => {
    const { username: known } = await register(app.client);
    const unknown = uniqueUsername();
    const answers: Record<string, Response[]> = { known: [], unknown: [] };
    for (const [kind, username] of [
      ['known', known],
      ['unknown', unknown],
    ] as const) {
      for (const n of [2, 3, 4])
        answers[kind].push(await from(n).post('/auth/login', { body: { username, password: WRONG_PASSWORD } }));
      answers[kind].push(await from(5).post('/auth/login', { body: { username, password: STRONG_PASSWORD } }));
    }
    expect(answers.known.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expect(answers.unknown.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    for (let i = 0; i < 4; i += 1) expect(strip(answers.unknown[i].body)).toEqual(strip(answers.known[i].body));
    expectTooMany(answers.unknown[3], 900);
    expect(Object.keys(answers.unknown[3].headers).sort()).toEqual(Object.keys(answers.known[3].headers).sort());
  });

  it('counts usernames case-insensitively', async () => {
    const { username } = await register(app.client, uniqueUsername('MixedCase'));
    for (const variant of [username, username.toLowerCase(), username.toUpperCase()]) {
      expect(
        (await app.client.post('/auth/login', { body: { username: variant, password: WRONG_PASSWORD } })).status,
      ).toBe(401);
    }
    expectTooMany(await app.client.post('/auth/login', { body: { username, password: STRONG_PASSWORD } }), 900);
  });

  it('wrong TOTP codes count toward the same lockout; then even the right password and code get 429', async () => {
    const user = await enrolledUser(app.client);
    const a = await login(app.client, user.username, user.password);
    const b = await login(app.client, user.username, user.password);
    for (const n of [2, 3, 4]) {
      const res = await from(n).post('/auth/2fa/verify', { token: a, body: { code: wrongCode(user.secret) } });
      expect(res.status).toBe(401);
    }
    expectTooMany(
      await from(5).post('/auth/login', { body: { username: user.username, password: user.password } }),
      900,
    );
    const right = freshCode(user.secret, user.lastStep);
    expectTooMany(await from(5).post('/auth/2fa/verify', { token: b, body: { code: right.code } }), 900);
  });

  it('wrong passwords and wrong codes add up', async () => {
    const user = await enrolledUser(app.client);
    const token = await login(app.client, user.username, user.password);
    for (const n of [2, 3]) {
      expect(
        (await from(n).post('/auth/login', { body: { username: user.username, password: WRONG_PASSWORD } })).status,
      ).toBe(401);
    }
    expect((await app.client.post('/auth/2fa/verify', { token, body: { code: wrongCode(user.secret) } })).status).toBe(
      401,
    );
    expectTooMany(
      await app.client.post('/auth/login', { body: { username: user.username, password: user.password } }),
      900,
    );
  });

  it('wrong codes at enrollment count too', async () => {
    const { username, password, enrollmentTicket } = await register(app.client);
    const token = await login(app.client, username, password);
    const { secret } = (await app.client.post('/auth/2fa/setup', { token, body: { enrollmentTicket } })).body;
    for (let i = 0; i < 3; i += 1) {
      expect((await app.client.post('/auth/2fa/enable', { token, body: { code: wrongCode(secret) } })).status).toBe(
        401,
      );
    }
    expectTooMany(await app.client.post('/auth/login', { body: { username, password } }), 900);
  });

  it('a full successful login (password and code) resets the count: 2 failures, success, 2 failures → not locked', async () => {
    const user = await enrolledUser(app.client);
    const fail = (n: number) =>
      from(n).post('/auth/login', { body: { username: user.username, password: WRONG_PASSWORD } });
    expect([(await fail(2)).status, (await fail(3)).status]).toEqual([401, 401]);
    const token = await login(app.client, user.username, user.password);
    const { code } = freshCode(user.secret, user.lastStep);
    expect((await app.client.post('/auth/2fa/verify', { token, body: { code } })).status).toBe(200);
    expect([(await fail(2)).status, (await fail(3)).status]).toEqual([401, 401]);
    expect(
      (await app.client.post('/auth/login', { body: { username: user.username, password: user.password } })).status,
    ).toBe(200);
  });

  it('the right password alone does not reset it: whoever knows it still cannot guess codes forever', async () => {
    const user = await enrolledUser(app.client);
    const guessCode = async () => {
      const token = await login(app.client, user.username, user.password);
      return (await app.client.post('/auth/2fa/verify', { token, body: { code: wrongCode(user.secret) } })).status;
    };
    expect([await guessCode(), await guessCode(), await guessCode()]).toEqual([401, 401, 401]);
    expectTooMany(
      await app.client.post('/auth/login', { body: { username: user.username, password: user.password } }),
      900,
    );
  });

  it('empty or malformed usernames are a clear 400, never a 500', async () => {
    for (const username of ['', ' ', 'a', 'x'.repeat(65), 'bad name']) {
      const res = await app.client.post('/auth/login', { body: { username, password: WRONG_PASSWORD } });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/username/);
    }
    expect((await app.client.post('/auth/login', { body: { username: null, password: WRONG_PASSWORD } })).status).toBe(
      400,
    );
    expect((await app.client.post('/auth/login', { body: { password: WRONG_PASSWORD } })).status).toBe(400);
  });
});

describe('account lockout under concurrency (LOCKOUT_THRESHOLD=5)', () => {
  it('20 simultaneous wrong logins on one account: exactly 5 evaluated (401), the rest 429, and the account locked', () =>
    withTestApp({ LOCKOUT_THRESHOLD: '5' }, async ({ client }) => {
      const { username } = await register(client);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client.as(`127.0.1.${i + 1}`).post('/auth/login', { body: { username, password: WRONG_PASSWORD } }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      responses.filter((r) => r.status === 429).forEach((r) => expectTooMany(r, 900));
      expectTooMany(
        await client.as('127.0.1.100').post('/auth/login', { body: { username, password: STRONG_PASSWORD } }),
        900,
      );
    }));

  it('the same for an unknown username', () =>
    withTestApp({ LOCKOUT_THRESHOLD: '5' }, async ({ client }) => {
      const username = uniqueUsername('ghost');
      const statuses = (
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            client.as(`127.0.2.${i + 1}`).post('/auth/login', { body: { username, password: WRONG_PASSWORD } }),
          ),
        )
      ).map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      expectTooMany(await client.post('/auth/login', { body: { username, password: WRONG_PASSWORD } }), 900);
    }));
});
