import { expectError } from './support/expect-error';
import { enrolledUser, login, register, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { useTestApp } from './support/test-app';
import { freshCode, totpAt, wrongCode } from './support/totp';

describe('two-step login over HTTPS', () => {
  const app = useTestApp();

  it('answers /health over verified TLS', async () => {
    const res = await app.client.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('enrolls a new user with a QR code, then requires password and code', async () => {
    const username = uniqueUsername('Alice');
    const reg = await app.client.post('/auth/register', { body: { username, password: STRONG_PASSWORD } });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({
      id: expect.any(String),
      username,
      enrollmentTicket: expect.stringMatching(/^[\w-]{43}$/),
    });

    const first = await app.client.post('/auth/login', { body: { username, password: STRONG_PASSWORD } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ preAuthToken: expect.any(String), expiresIn: 300, next: 'totp-enroll', factors: [] });
    const preAuthToken = first.body.preAuthToken;

    const setup = await app.client.post('/auth/2fa/setup', {
      token: preAuthToken,
      body: { enrollmentTicket: reg.body.enrollmentTicket },
    });
    expect(setup.status).toBe(200);
    const { secret, otpauthUrl, qrCodeDataUrl } = setup.body;
    expect(Buffer.from(secret, 'ascii').toString()).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toBe(
      `otpauth://totp/Nest2FA:${encodeURIComponent(username)}?secret=${secret}&issuer=Nest2FA&algorithm=SHA1&digits=6&period=30`,
    );
    expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(qrCodeDataUrl.split(',')[1], 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    // Still not enrolled: the pre-auth token opens nothing but the 2FA routes.
    expect((await app.client.get('/auth/me', { token: preAuthToken })).status).toBe(401);

    const { code, step } = freshCode(secret, null);
    const enable = await app.client.post('/auth/2fa/enable', { token: preAuthToken, body: { code } });
    expect(enable.status).toBe(200);
    expect(enable.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      deviceToken: expect.stringMatching(/^[\w-]{43}$/),
      recoveryCodes: expect.arrayContaining([expect.stringMatching(/^[a-z2-7]{5}-[a-z2-7]{5}$/)]),
    });
    expect(new Set(enable.body.recoveryCodes).size).toBe(10);
    expect(enable.headers['cache-control']).toBe('no-store');

    const me = await app.client.get('/auth/me', { token: enable.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: reg.body.id, username, twoFactorEnabled: true });

    // From now on a login needs the code.
    const second = await app.client.post('/auth/login', { body: { username, password: STRONG_PASSWORD } });
    expect(second.body.next).toBe('totp-verify');
    expect((await app.client.get('/auth/me', { token: second.body.preAuthToken })).status).toBe(401);
    const next = freshCode(secret, step);
    const verify = await app.client.post('/auth/2fa/verify', {
      token: second.body.preAuthToken,
      body: { code: next.code },
    });
    expect(verify.status).toBe(200);
    expect(verify.body.tokenType).toBe('Bearer');
    expect((await app.client.get('/auth/me', { token: verify.body.accessToken })).status).toBe(200);
  });

  it('a new setup call replaces the pending secret; enrolled users get 409', async () => {
    const { username, password, enrollmentTicket } = await register(app.client);
    const token = await login(app.client, username, password);
    const a = (await app.client.post('/auth/2fa/setup', { token, body: { enrollmentTicket } })).body.secret;
    const b = (await app.client.post('/auth/2fa/setup', { token, body: { enrollmentTicket } })).body.secret;
    expect(a).not.toBe(b);
    const withOld = await app.client.post('/auth/2fa/enable', { token, body: { code: freshCode(a, null).code } });
    expect(withOld.status).toBe(401);
    const withNew = await app.client.post('/auth/2fa/enable', { token, body: { code: freshCode(b, null).code } });
    expect(withNew.status).toBe(200);

    const again = await login(app.client, username, password);
    expect((await app.client.post('/auth/2fa/setup', { token: again, body: { enrollmentTicket } })).status).toBe(409);
    expect((await app.client.post('/auth/2fa/enable', { token: again, body: { code: '123456' } })).status).toBe(409);
  });

  it('refuses /2fa/verify before enrollment and /2fa/enable without a pending secret', async () => {
    const { username, password } = await register(app.client);
    const token = await login(app.client, username, password);
    expect((await app.client.post('/auth/2fa/verify', { token, body: { code: '123456' } })).status).toBe(409);
    expect((await app.client.post('/auth/2fa/enable', { token, body: { code: '123456' } })).status).toBe(409);
  });

  describe('TOTP replay protection', () => {
    it('refuses the code used to enable at the next login', async () => {
      const user = await enrolledUser(app.client);
      const token = await login(app.client, user.username, user.password);
      const replay = await app.client.post('/auth/2fa/verify', {
        token,
        body: { code: totpAt(user.secret, user.lastStep) },
      });
      expect(replay.status).toBe(401);
      expect(replay.body.message).toBe('Invalid code');
    });

    it('refuses a code for an older step than the last accepted one, across logins', async () => {
      const user = await enrolledUser(app.client);
      const t1 = await login(app.client, user.username, user.password);
      const next = freshCode(user.secret, user.lastStep);
      expect((await app.client.post('/auth/2fa/verify', { token: t1, body: { code: next.code } })).status).toBe(200);
      const t2 = await login(app.client, user.username, user.password);
      for (const step of [next.step, next.step - 1, next.step - 2]) {
        const res = await app.client.post('/auth/2fa/verify', { token: t2, body: { code: totpAt(user.secret, step) } });
        expect(res.status).toBe(401);
      }
    });

    it('lets exactly one of two simultaneous uses of the same code through', async () => {
      const user = await enrolledUser(app.client);
      const [a, b] = [
        await login(app.client, user.username, user.password),
        await login(app.client, user.username, user.password),
      ];
      const { code } = freshCode(user.secret, user.lastStep);
      const results = await Promise.all([
        app.client.post('/auth/2fa/verify', { token: a, body: { code } }),
        app.client.post('/auth/2fa/verify', { token: b, body: { code } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });
  });

  describe('pre-auth token', () => {
    it('is single use: dead once exchanged', async () => {
      const user = await enrolledUser(app.client);
      const token = await login(app.client, user.username, user.password);
      const next = freshCode(user.secret, user.lastStep);
      expect((await app.client.post('/auth/2fa/verify', { token, body: { code: next.code } })).status).toBe(200);
      const later = totpAt(user.secret, next.step + 1);
      const reuse = await app.client.post('/auth/2fa/verify', { token, body: { code: later } });
      expect(reuse.status).toBe(401);
      expect((await app.client.post('/auth/2fa/setup', { token })).status).toBe(401);
    });

    it('dies after 5 wrong codes, even for the right one', async () => {
      const user = await enrolledUser(app.client);
      const token = await login(app.client, user.username, user.password);
      for (let i = 0; i < 5; i += 1) {
        const res = await app.client.post('/auth/2fa/verify', { token, body: { code: wrongCode(user.secret) } });
        expect(res.status).toBe(401);
      }
      const right = freshCode(user.secret, user.lastStep);
      expect((await app.client.post('/auth/2fa/verify', { token, body: { code: right.code } })).status).toBe(401);
      // A fresh login gets a fresh budget, and the same right code still works.
      const fresh = await login(app.client, user.username, user.password);
      expect((await app.client.post('/auth/2fa/verify', { token: fresh, body: { code: right.code } })).status).toBe(
        200,
      );
    });

    it('still accepts the right code after 4 wrong ones', async () => {
      const user = await enrolledUser(app.client);
      const token = await login(app.client, user.username, user.password);
      for (let i = 0; i < 4; i += 1) {
        await app.client.post('/auth/2fa/verify', { token, body: { code: wrongCode(user.secret) } });
      }
      const right = freshCode(user.secret, user.lastStep);
      expect((await app.client.post('/auth/2fa/verify', { token, body: { code: right.code } })).status).toBe(200);
    });

    it('is refused by every route that is not a 2FA route, and the access token by the 2FA routes', async () => {
      const user = await enrolledUser(app.client);
      const token = await login(app.client, user.username, user.password);
      expect((await app.client.get('/auth/me', { token })).status).toBe(401);
      const code = freshCode(user.secret, user.lastStep).code;
      const withAccess = await app.client.post('/auth/2fa/verify', { token: user.accessToken, body: { code } });
      expect(withAccess.status).toBe(401);
      expect((await app.client.post('/auth/2fa/setup', { token: user.accessToken })).status).toBe(401);
    });

    it('is read only from the Authorization header, never the query string', async () => {
      const user = await enrolledUser(app.client);
      expect((await app.client.get(`/auth/me?access_token=${user.accessToken}`)).status).toBe(401);
      expect((await app.client.get(`/auth/me?token=${user.accessToken}`)).status).toBe(401);
    });
  });

  describe('credentials', () => {
    it('gives the same 401 for an unknown user and a wrong password', async () => {
      const { username } = await register(app.client);
      const unknown = await app.client.post('/auth/login', {
        body: { username: uniqueUsername(), password: STRONG_PASSWORD },
      });
      const wrong = await app.client.post('/auth/login', { body: { username, password: `${STRONG_PASSWORD}x` } });
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      const strip = ({ requestId, ...rest }: Record<string, unknown>) => rest;
      expect(strip(unknown.body)).toEqual(strip(wrong.body));
      expect(strip(wrong.body)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid username or password',
      });
      expect(unknown.text.length).toBe(wrong.text.length);
    });

    it('treats usernames case-insensitively: login works, a case variant is taken', async () => {
      const { username, password } = await register(app.client, uniqueUsername('MiXeD'));
      expect(
        (await app.client.post('/auth/login', { body: { username: username.toLowerCase(), password } })).status,
      ).toBe(200);
      const dup = await app.client.post('/auth/register', { body: { username: username.toUpperCase(), password } });
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ statusCode: 409, error: 'Conflict', requestId: expect.any(String) });
    });

    it('does not truncate passwords: the first 72 characters of an 80-character one fail', async () => {
      const password = 'Tr0ub4dor&3-plus-a-long-tail-that-keeps-going-and-going-and-going-until-80ch!';
      const long = password.padEnd(80, 'z');
      const { username } = await register(app.client, uniqueUsername(), long);
      expect((await app.client.post('/auth/login', { body: { username, password: long.slice(0, 72) } })).status).toBe(
        401,
      );
      expect((await app.client.post('/auth/login', { body: { username, password: long } })).status).toBe(200);
    });

    it.each([
      ['too short', 'short pass', /at least 12/],
      ['common', 'password1234', /too easy to guess/],
      ['based on the username', 'guessable.user2024', /username/],
      ['too long', 'x'.repeat(257), /at most 256/],
    ])('refuses a %s password with a helpful 400', async (_name, password, message) => {
      const res = await app.client.post('/auth/register', { body: { username: 'guessable.user', password } });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
    });

    it.each([
      ['empty username', { username: '', password: STRONG_PASSWORD }],
      ['short username', { username: 'ab', password: STRONG_PASSWORD }],
      ['username with a space', { username: 'a b c', password: STRONG_PASSWORD }],
      ['username too long', { username: 'a'.repeat(65), password: STRONG_PASSWORD }],
      ['missing password', { username: 'someone' }],
      ['non-string password', { username: 'someone', password: 123456789012 }],
      ['unknown field', { username: 'someone', password: STRONG_PASSWORD, isAdmin: true }],
    ])('refuses %s with 400 saying what is wrong', async (_name, body) => {
      for (const route of ['/auth/register', '/auth/login']) {
        const res = await app.client.post(route, { body });
        expectError(res, 400);
      }
    });

    it.each(['12345', '1234567', '12a456', '', ' 123456', '１２３４５６', 123456, null])(
      'refuses the malformed code %p with 400, never a crash',
      async (code) => {
        const user = await enrolledUser(app.client);
        const token = await login(app.client, user.username, user.password);
        const res = await app.client.post('/auth/2fa/verify', { token, body: { code } });
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/code must be exactly 6 digits/);
      },
    );
  });
});
