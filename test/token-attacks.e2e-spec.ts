import { execFile } from 'node:child_process';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
  randomUUID,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deriveKey } from '../src/crypto/key-derivation';
import { expectError } from './support/expect-error';
import { enrolledUser, login, register, STRONG_PASSWORD, type EnrolledUser } from './support/flows';
import type { Response } from './support/https-client';
import { b64, decodeJwt, es256, hs256, type Json } from './support/jwt';
import { useTestApp, type TestApp } from './support/test-app';

/**
 * Forged, tampered and mis-typed tokens against the real server over HTTPS.
 * Every attack ends in the same 401 error shape; each family of attacks has a
 * positive control signed by the same helper, so a 401 means the server
 * refused the token, not that the helper produced garbage.
 */

/** The one 401 error shape, with a request id that looks like a UUID. */
function expectUnauthorized(res: Response): void {
  expectError(res, 401);
  expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
}

const now = () => Math.floor(Date.now() / 1000);

/** The server's pre-auth signing key, derived here from the dev APP_SECRET it generated for its data directory. */
function preAuthKeyOf(t: TestApp): Buffer {
  const appSecret = readFileSync(join(t.dataDir, 'secrets', 'app-secret'), 'utf8').trim();
  return deriveKey(Buffer.from(appSecret, 'utf8'), 'preauth-jwt');
}

describe('access-token attacks (ES256)', () => {
  const app = useTestApp();
  let alice: EnrolledUser;
  let aliceId: string;
  let bobId: string;
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let kid: string;
  let goodHeader: Json;
  let goodClaims: Json;
  let enrolledAfter: number;

  beforeAll(async () => {
    enrolledAfter = now();
    alice = await enrolledUser(app.client);
    const bob = await enrolledUser(app.client);
    aliceId = (await app.client.get('/auth/me', { token: alice.accessToken })).body.id;
    bobId = (await app.client.get('/auth/me', { token: bob.accessToken })).body.id;
    // The dev signing key the server generated for this data directory.
    privateKey = createPrivateKey(readFileSync(join(app.t.dataDir, 'secrets', 'jwt-es256.pem'), 'utf8'));
    publicKey = createPublicKey(privateKey);
    kid = decodeJwt(alice.accessToken).header.kid as string;
    goodHeader = { alg: 'ES256', typ: 'at+jwt', kid };
    goodClaims = {
      iss: app.t.config.jwt.issuer,
      aud: app.t.config.jwt.audience,
      sub: aliceId,
      iat: now(),
      exp: now() + 600,
      jti: randomUUID(),
      amr: ['pwd', 'otp'],
      sid: decodeJwt(alice.accessToken).claims.sid,
    };
  });

  describe('the issued access token', () => {
    it('has header {alg: ES256, typ: at+jwt, kid} and RFC 9068 claims living 900 s', () => {
      const { header, claims } = decodeJwt(alice.accessToken);
      expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.stringMatching(/^[\w-]{16,}$/) });
      expect(claims).toEqual({
        iss: 'https://localhost:3443',
        aud: 'nest-2fa-api',
        sub: aliceId,
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        amr: ['pwd', 'otp'],
        sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        auth_time: claims.iat,
        acr: 'urn:nest-2fa-api:acr:mfa',
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
      // Issued during this test run, by the server's clock (same machine).
      expect(claims.iat).toBeGreaterThanOrEqual(enrolledAfter);
      expect(claims.iat).toBeLessThanOrEqual(now());
    });

    it('carries a valid ES256 signature under the public key (node:crypto)', () => {
      const [h, p, s] = alice.accessToken.split('.');
      const signature = Buffer.from(s, 'base64url');
      expect(signature).toHaveLength(64);
      const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      expect(ok).toBe(true);
      // The same check on a changed payload: the verification itself can fail.
      const tampered = Buffer.from(`${h}.${p}x`);
      expect(verify('sha256', tampered, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(false);
    });

    // jose 6 is ESM-only and Jest here runs CommonJS without transforming it
    // ("Must use import to load ES Module"), so it runs in a plain Node child.
    it('verifies with jose (issuer, audience, typ and algorithm pinned)', async () => {
      const script = `
        import { importSPKI, jwtVerify } from 'jose';
        const key = await importSPKI(process.env.PUBLIC_PEM, 'ES256');
        const { payload, protectedHeader } = await jwtVerify(process.env.TOKEN, key, {
          issuer: process.env.ISS, audience: process.env.AUD, typ: 'at+jwt', algorithms: ['ES256'],
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        });
        console.log(JSON.stringify({ payload, protectedHeader }));`;
      const run = (token: string) =>
        promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
          cwd: join(__dirname, '..'),
          env: {
            PATH: process.env.PATH,
            TOKEN: token,
            PUBLIC_PEM: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
            ISS: app.t.config.jwt.issuer,
            AUD: app.t.config.jwt.audience,
          },
        });
      const { stdout } = await run(alice.accessToken);
      const result = JSON.parse(stdout);
      expect(result.protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid });
      expect(result.payload.sub).toBe(aliceId);
      // Control: jose refuses a token with a changed payload.
      const { header, claims, signature } = decodeJwt(alice.accessToken);
      await expect(run(`${b64(header)}.${b64({ ...claims, sub: bobId })}.${signature}`)).rejects.toThrow(
        /signature verification failed/,
      );
    });
  });

  it('positive control: the signing helper with the right key, kid, typ and claims gets 200', async () => {
    const res = await app.client.get('/auth/me', {
      token: es256(goodHeader, { ...goodClaims, jti: randomUUID() }, privateKey),
    });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(aliceId);
  });

  describe('forged or tampered tokens', () => {
    it.each(['none', 'None', 'NONE'])('alg %s with the same claims and an empty signature', async (alg) => {
      const { claims } = decodeJwt(alice.accessToken);
      const token = `${b64({ alg, typ: 'at+jwt', kid })}.${b64(claims)}.`;
      expectUnauthorized(await app.client.get('/auth/me', { token }));
    });

    it("a changed payload (bob's sub) with alice's original signature", async () => {
      const { header, claims, signature } = decodeJwt(alice.accessToken);
      const token = `${b64(header)}.${b64({ ...claims, sub: bobId })}.${signature}`;
      expectUnauthorized(await app.client.get('/auth/me', { token }));
    });

    it('a changed payload (longer exp) with the original signature', async () => {
      const { header, claims, signature } = decodeJwt(alice.accessToken);
      const token = `${b64(header)}.${b64({ ...claims, exp: (claims.exp as number) + 86_400 })}.${signature}`;
      expectUnauthorized(await app.client.get('/auth/me', { token }));
    });

    it('a stripped signature (with and without the trailing dot)', async () => {
      const [h, p] = alice.accessToken.split('.');
      expectUnauthorized(await app.client.get('/auth/me', { token: `${h}.${p}.` }));
      expectUnauthorized(await app.client.get('/auth/me', { token: `${h}.${p}` }));
    });

    it("HS256 signed with the server's public key as PEM text", async () => {
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const header = { alg: 'HS256', typ: 'at+jwt', kid };
      expectUnauthorized(await app.client.get('/auth/me', { token: hs256(header, goodClaims, pem) }));
      expectUnauthorized(await app.client.get('/auth/me', { token: hs256(header, goodClaims, pem.trim()) }));
    });

    it("HS256 signed with the server's public key as DER", async () => {
      const der = publicKey.export({ type: 'spki', format: 'der' });
      const header = { alg: 'HS256', typ: 'at+jwt', kid };
      expectUnauthorized(await app.client.get('/auth/me', { token: hs256(header, goodClaims, der) }));
    });

    it("HS256 signed with the server's own pre-auth key, typed as an access token", async () => {
      const header = { alg: 'HS256', typ: 'at+jwt', kid };
      expectUnauthorized(await app.client.get('/auth/me', { token: hs256(header, goodClaims, preAuthKeyOf(app.t)) }));
    });

    it('a pre-auth token from /auth/login', async () => {
      const token = await login(app.client, alice.username, alice.password);
      expectUnauthorized(await app.client.get('/auth/me', { token }));
    });
  });

  describe('correctly signed (ES256, real key) but wrong in one detail', () => {
    const cases: Array<[string, (h: Json, c: Json) => [Json, Json]]> = [
      ['typ missing', (h, c) => [{ ...h, typ: undefined }, c]],
      ["typ 'JWT'", (h, c) => [{ ...h, typ: 'JWT' }, c]],
      ["typ 'preauth+jwt'", (h, c) => [{ ...h, typ: 'preauth+jwt' }, c]],
      ["typ 'AT+JWT' (typ is compared exactly)", (h, c) => [{ ...h, typ: 'AT+JWT' }, c]],
      ['wrong iss', (h, c) => [h, { ...c, iss: 'https://evil.example' }]],
      ['no iss', (h, c) => [h, { ...c, iss: undefined }]],
      ['wrong aud', (h, c) => [h, { ...c, aud: 'another-api' }]],
      ['the pre-auth aud', (h, c) => [h, { ...c, aud: `${c.iss}#preauth` }]],
      ['no exp', (h, c) => [h, { ...c, exp: undefined }]],
      ['expired exp', (h, c) => [h, { ...c, iat: now() - 3600, exp: now() - 1800 }]],
      ['unknown kid', (h, c) => [{ ...h, kid: 'some-other-key' }, c]],
      ['no kid', (h, c) => [{ ...h, kid: undefined }, c]],
      ["amr ['pwd'] (no second factor)", (h, c) => [h, { ...c, amr: ['pwd'] }]],
      ["amr ['pwd', 'sms'] (not a second factor this API issues)", (h, c) => [h, { ...c, amr: ['pwd', 'sms'] }]],
      ["amr [['otp']] (a nested array is not a value)", (h, c) => [h, { ...c, amr: [['otp']] }]],
      ['no amr', (h, c) => [h, { ...c, amr: undefined }]],
      ["amr 'otp' as a string, not an array", (h, c) => [h, { ...c, amr: 'otp' }]],
      ['no sub', (h, c) => [h, { ...c, sub: undefined }]],
      ['no jti', (h, c) => [h, { ...c, jti: undefined }]],
    ];

    it.each(cases)('%s → 401', async (_name, change) => {
      const [header, claims] = change(goodHeader, { ...goodClaims, jti: randomUUID() });
      expectUnauthorized(await app.client.get('/auth/me', { token: es256(header, claims, privateKey) }));
    });

    it('an ES256 token signed with another P-256 key under the right kid', async () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      expectUnauthorized(await app.client.get('/auth/me', { token: es256(goodHeader, goodClaims, other) }));
    });
  });

  describe('where the token is taken from', () => {
    it('a valid token in the query string is ignored', async () => {
      for (const name of ['access_token', 'token', 'auth', 'jwt']) {
        expectUnauthorized(await app.client.get(`/auth/me?${name}=${alice.accessToken}`));
      }
    });

    it('a valid token in a cookie or a custom header is ignored', async () => {
      expectUnauthorized(
        await app.client.get('/auth/me', { headers: { cookie: `access_token=${alice.accessToken}` } }),
      );
      expectUnauthorized(await app.client.get('/auth/me', { headers: { 'x-access-token': alice.accessToken } }));
    });

    it.each([
      ['Bearer garbage', 'Bearer garbage'],
      ['Bearer three dots', 'Bearer a.b.c'],
      ['Bearer with nothing', 'Bearer '],
      ['Bearer with a huge value', `Bearer ${'A'.repeat(6000)}.${'B'.repeat(6000)}.C`],
      ['a JSON header part', `Bearer ${b64('[]')}.${b64('{}')}.x`],
      ['Basic auth', `Basic ${Buffer.from(`alice:${STRONG_PASSWORD}`).toString('base64')}`],
    ])('%s → 401', async (_name, authorization) => {
      expectUnauthorized(await app.client.get('/auth/me', { headers: { authorization } }));
    });

    it('a valid token without the Bearer scheme, or under another scheme → 401', async () => {
      for (const authorization of [alice.accessToken, `Token ${alice.accessToken}`, `JWT ${alice.accessToken}`]) {
        expectUnauthorized(await app.client.get('/auth/me', { headers: { authorization } }));
      }
    });

    it('no Authorization header at all → 401', async () => {
      expectUnauthorized(await app.client.get('/auth/me'));
    });

    it('control: the same token in the Authorization header gets 200', async () => {
      expect(
        (await app.client.get('/auth/me', { headers: { authorization: `Bearer ${alice.accessToken}` } })).status,
      ).toBe(200);
    });
  });

  describe('pre-auth tokens', () => {
    let username: string;
    let enrollmentTicket: string;
    let preAuthToken: string;
    let preAuthKey: Buffer;

    beforeAll(async () => {
      // Registered, not enrolled: /auth/2fa/setup answers 200 to any valid pre-auth token with the ticket.
      ({ username, enrollmentTicket } = await register(app.client));
      preAuthToken = await login(app.client, username, STRONG_PASSWORD);
      preAuthKey = preAuthKeyOf(app.t);
    });

    const resign = (header: Json, claims: Json, key: Buffer | string = preAuthKey) =>
      hs256(header, { ...claims, jti: randomUUID() }, key);

    it('has header {alg: HS256, typ: preauth+jwt}, its own audience, a jti, and lives 300 s', () => {
      const { header, claims } = decodeJwt(preAuthToken);
      expect(header).toEqual({ alg: 'HS256', typ: 'preauth+jwt', kid: expect.any(String) });
      expect(claims).toEqual({
        iss: app.t.config.jwt.issuer,
        aud: expect.any(String),
        sub: expect.any(String),
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        amr: ['pwd'],
        cv: 0,
      });
      expect(claims.aud).not.toBe(app.t.config.jwt.audience);
      expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    });

    it('positive control: re-signed with the real pre-auth key and a fresh jti, it opens /auth/2fa/setup', async () => {
      const { header, claims } = decodeJwt(preAuthToken);
      const res = await app.client.post('/auth/2fa/setup', {
        token: resign(header, claims),
        body: { enrollmentTicket },
      });
      expect(res.status).toBe(200);
    });

    it('forged with another HMAC key → 401 on /auth/2fa/setup', async () => {
      const { header, claims } = decodeJwt(preAuthToken);
      expectUnauthorized(await app.client.post('/auth/2fa/setup', { token: resign(header, claims, randomBytes(32)) }));
    });

    it('with its typ changed (original signature) → 401', async () => {
      const { header, claims, signature } = decodeJwt(preAuthToken);
      for (const typ of ['JWT', 'at+jwt']) {
        const token = `${b64({ ...header, typ })}.${b64(claims)}.${signature}`;
        expectUnauthorized(await app.client.post('/auth/2fa/setup', { token }));
      }
    });

    it.each([
      ["typ 'JWT'", { typ: 'JWT' }, {}],
      ["typ 'at+jwt'", { typ: 'at+jwt' }, {}],
      ['typ missing', { typ: undefined }, {}],
      ['the access audience', {}, { aud: 'nest-2fa-api' }],
      ['expired', {}, { iat: now() - 3600, exp: now() - 1800 }],
      ['no exp', {}, { exp: undefined }],
    ])('re-signed with the real pre-auth key but %s → 401', async (_name, headerChange, claimsChange) => {
      const { header, claims } = decodeJwt(preAuthToken);
      const token = resign({ ...header, ...headerChange }, { ...claims, ...claimsChange });
      expectUnauthorized(await app.client.post('/auth/2fa/setup', { token }));
    });

    it('alg none → 401', async () => {
      const { claims } = decodeJwt(preAuthToken);
      const token = `${b64({ alg: 'none', typ: 'preauth+jwt' })}.${b64(claims)}.`;
      expectUnauthorized(await app.client.post('/auth/2fa/setup', { token }));
    });

    it('signed ES256 with the access key, typed preauth+jwt → 401', async () => {
      const { claims } = decodeJwt(preAuthToken);
      const token = es256({ typ: 'preauth+jwt', kid }, { ...claims, jti: randomUUID() }, privateKey);
      expectUnauthorized(await app.client.post('/auth/2fa/setup', { token }));
    });

    it('an access token → 401 on /auth/2fa/setup', async () => {
      expectUnauthorized(await app.client.post('/auth/2fa/setup', { token: alice.accessToken }));
    });
  });
});

describe('access tokens with JWT_ALGORITHM=HS256', () => {
  const jwtSecret = randomBytes(32).toString('base64url');
  const app = useTestApp({ JWT_ALGORITHM: 'HS256', JWT_SECRET: jwtSecret });
  let user: EnrolledUser;

  beforeAll(async () => {
    user = await enrolledUser(app.client);
  });

  it('login → enable → /auth/me works, with an HS256 at+jwt token', async () => {
    const me = await app.client.get('/auth/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: expect.any(String), username: user.username, twoFactorEnabled: true });
    const { header, claims } = decodeJwt(user.accessToken);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.any(String) });
    expect(claims).toMatchObject({ sub: me.body.id, aud: 'nest-2fa-api', amr: ['pwd', 'otp'] });
    // The signature is HMAC-SHA256 under JWT_SECRET.
    const [h, p, s] = user.accessToken.split('.');
    expect(createHmac('sha256', jwtSecret).update(`${h}.${p}`).digest('base64url')).toBe(s);
  });

  it('positive control: a token signed with JWT_SECRET by the test helper gets 200', async () => {
    const { header, claims } = decodeJwt(user.accessToken);
    const res = await app.client.get('/auth/me', { token: hs256(header, { ...claims, jti: randomUUID() }, jwtSecret) });
    expect(res.status).toBe(200);
  });

  it('refuses a token signed HS256 with a different secret', async () => {
    const { header, claims } = decodeJwt(user.accessToken);
    const token = hs256(header, { ...claims, jti: randomUUID() }, randomBytes(32).toString('base64url'));
    expectUnauthorized(await app.client.get('/auth/me', { token }));
  });

  it('refuses a pre-auth token on /auth/me', async () => {
    const token = await login(app.client, user.username, user.password);
    expectUnauthorized(await app.client.get('/auth/me', { token }));
  });

  it('refuses alg none and a wrong typ even with the right secret', async () => {
    const { header, claims } = decodeJwt(user.accessToken);
    expectUnauthorized(
      await app.client.get('/auth/me', { token: `${b64({ ...header, alg: 'none' })}.${b64(claims)}.` }),
    );
    const preauthTyped = hs256({ ...header, typ: 'preauth+jwt' }, { ...claims, jti: randomUUID() }, jwtSecret);
    expectUnauthorized(await app.client.get('/auth/me', { token: preauthTyped }));
  });

  it('refuses the pre-auth key used as the access key', async () => {
    const { header, claims } = decodeJwt(user.accessToken);
    expectUnauthorized(
      await app.client.get('/auth/me', { token: hs256(header, { ...claims, jti: randomUUID() }, preAuthKeyOf(app.t)) }),
    );
  });
});
