import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { devCertificatePaths } from '../src/tls/dev-certificates';
import { User } from '../src/users/user.entity';
import { expectError } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, register, type EnrolledUser } from './support/flows';
import { HttpsClient } from './support/https-client';
import { decodeJwt, es256 } from './support/jwt';
import {
  RELAXED_LIMITS,
  removeDataDir,
  startTestApp,
  TEST_CERTS_DIR,
  useTestApp,
  withTestApp,
  type TestApp,
} from './support/test-app';
import { currentStep, freshCode, totpAt } from './support/totp';

/**
 * The published verification keys (JWKS), verified by a real third-party
 * verifier (jose), and both rotations: the ES256 signing key (by kid, with
 * earlier public keys still accepted) and APP_SECRET (TOTP secrets re-sealed
 * lazily at login, recovery-code hashes under the previous secret accepted
 * while it is configured; its pre-auth key's deadline is in
 * rotation.e2e-spec.ts).
 */

const REPO = join(__dirname, '..');

/** RFC 7638 thumbprint of an EC public key, computed here independently of the server. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
}

function newEcKey(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, kid: thumbprint(publicKey.export({ format: 'jwk' })) };
}

interface JoseResult {
  ok: boolean;
  kid?: string;
  sub?: string;
  code?: string;
}

/**
 * Verifies tokens with jose (ESM only, so in a plain Node child) against a
 * JWKS, either given as JSON (createLocalJWKSet) or fetched from the server
 * over HTTPS (createRemoteJWKSet, trusting the dev CA), with issuer,
 * audience, typ and algorithm pinned. Also reports jose's own thumbprint of
 * each published key.
 */
async function joseVerify(
  t: TestApp,
  tokens: string[],
  source: { jwks: unknown } | { remote: true },
): Promise<{ results: JoseResult[]; thumbprints: Array<{ kid: string; thumbprint: string }> }> {
  const script = `
    import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
    const { JWKS, JWKS_URL, TOKENS, ISS, AUD } = process.env;
    const keySet = JWKS_URL ? createRemoteJWKSet(new URL(JWKS_URL)) : createLocalJWKSet(JSON.parse(JWKS));
    const results = [];
    for (const token of JSON.parse(TOKENS)) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, keySet, {
          issuer: ISS, audience: AUD, typ: 'at+jwt', algorithms: ['ES256'],
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        });
        results.push({ ok: true, kid: protectedHeader.kid, sub: payload.sub });
      } catch (error) {
        results.push({ ok: false, code: error.code });
      }
    }
    const published = JWKS_URL ? await (await fetch(JWKS_URL)).json() : JSON.parse(JWKS);
    const thumbprints = [];
    for (const key of published.keys) thumbprints.push({ kid: key.kid, thumbprint: await calculateJwkThumbprint(key) });
    console.log(JSON.stringify({ results, thumbprints }));`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    TOKENS: JSON.stringify(tokens),
    ISS: t.config.jwt.issuer,
    AUD: t.config.jwt.audience,
  };
  if ('remote' in source) {
    env.JWKS_URL = `https://127.0.0.1:${t.port}/.well-known/jwks.json`;
    env.NODE_EXTRA_CA_CERTS = devCertificatePaths(TEST_CERTS_DIR).caCert;
  } else {
    env.JWKS = JSON.stringify(source.jwks);
  }
  const node = promisify(execFile);
  const { stdout } = await node(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, env });
  return JSON.parse(stdout);
}

/** An ES256 access token signed here: every claim the server checks, for the given user and session. */
function signAccessToken(
  t: TestApp,
  privateKey: KeyObject,
  header: Record<string, unknown>,
  subject: { sub: string; sid: string },
): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: t.config.jwt.issuer,
    aud: t.config.jwt.audience,
    sub: subject.sub,
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    amr: ['pwd', 'otp'],
    sid: subject.sid,
  };
  return es256({ typ: 'at+jwt', ...header }, claims, privateKey);
}

const jwksOf = async (client: HttpsClient) => (await client.get('/.well-known/jwks.json')).body.keys as JsonWebKey[];

describe('GET /.well-known/jwks.json (ES256)', () => {
  const app = useTestApp();
  let user: EnrolledUser;

  beforeAll(async () => {
    user = await enrolledUser(app.client);
  });

  it('is public and lists exactly the one ES256 public key, kid = the access token header kid', async () => {
    const res = await app.client.get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const { header } = decodeJwt(user.accessToken);
    expect(res.body).toEqual({
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          x: expect.stringMatching(/^[\w-]{43}$/),
          y: expect.stringMatching(/^[\w-]{43}$/),
          kid: header.kid,
          alg: 'ES256',
          use: 'sig',
        },
      ],
    });
    // No private part, and no symmetric key of any kind.
    expect(res.body.keys[0]).not.toHaveProperty('d');
    expect(res.body.keys.filter((key: JsonWebKey) => key.kty !== 'EC' || 'k' in key)).toEqual([]);
    // The kid is the key's RFC 7638 thumbprint.
    expect(res.body.keys[0].kid).toBe(thumbprint(res.body.keys[0]));
  });

  it('never publishes the pre-auth key: the kid of a pre-auth token is not in the set', async () => {
    const preAuthToken = await login(app.client, user.username, user.password);
    const { header } = decodeJwt(preAuthToken);
    expect(header.alg).toBe('HS256');
    const kids = (await jwksOf(app.client)).map((key) => (key as { kid: string }).kid);
    expect(kids).not.toContain(header.kid);
    expect(kids.filter((kid) => kid.startsWith('hs-'))).toEqual([]);
  });

  it('jose verifies an access token against the JWKS, local or fetched over HTTPS (iss, aud, typ pinned)', async () => {
    const me = await app.client.get('/auth/me', { token: user.accessToken });
    const preAuthToken = await login(app.client, user.username, user.password);
    const [header, , signature] = user.accessToken.split('.');
    const otherClaims = { ...decodeJwt(user.accessToken).claims, sub: 'someone-else' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(otherClaims)).toString('base64url')}.${signature}`;
    const tokens = [user.accessToken, tampered, preAuthToken];
    for (const source of [{ jwks: { keys: await jwksOf(app.client) } }, { remote: true as const }]) {
      const { results, thumbprints } = await joseVerify(app.t, tokens, source);
      expect(results[0]).toEqual({ ok: true, kid: decodeJwt(user.accessToken).header.kid, sub: me.body.id });
      // Controls: the same verifier refuses a changed payload and a pre-auth token.
      expect(results[1]).toEqual({ ok: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      expect(results[2].ok).toBe(false);
      for (const { kid, thumbprint: computed } of thumbprints) expect(kid).toBe(computed);
    }
  }, 30_000);
});

describe('GET /.well-known/jwks.json with JWT_ALGORITHM=HS256', () => {
  it('is an empty set: a shared secret is never published', async () => {
    const jwtSecret = randomBytes(32).toString('base64url');
    await withTestApp({ JWT_ALGORITHM: 'HS256', JWT_SECRET: jwtSecret }, async ({ client }) => {
      const res = await client.get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ keys: [] });
      // Control: the app issues HS256 access tokens meanwhile.
      const user = await enrolledUser(client);
      expect(decodeJwt(user.accessToken).header.alg).toBe('HS256');
    });
  });
});

describe('ES256 signing-key rotation', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-keys-'));
  const keyA = newEcKey();
  const keyB = newEcKey();
  const fileA = join(keyDir, 'a.pem');
  const fileB = join(keyDir, 'b.pem');
  const publicFileA = join(keyDir, 'a.pub.pem');
  let t: TestApp | undefined;
  let dataDir: string;

  beforeAll(() => {
    writeFileSync(fileA, keyA.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(fileB, keyB.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(publicFileA, keyA.publicKey.export({ type: 'spki', format: 'pem' }));
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) removeDataDir(dataDir);
    removeDataDir(keyDir);
  });

  async function restart(overrides: Record<string, string>): Promise<HttpsClient> {
    await t?.close();
    t = await startTestApp({ ...RELAXED_LIMITS, ...overrides }, dataDir ? { dataDir } : {});
    dataDir = t.dataDir;
    return new HttpsClient(t.port, t.ca);
  }

  it('A → B with A still accepted → B only: old tokens verify during the overlap, then stop', async () => {
    // 1. Signing with A.
    let client = await restart({ JWT_PRIVATE_KEY_FILE: fileA });
    const user = await enrolledUser(client);
    const tokenA = user.accessToken;
    expect(decodeJwt(tokenA).header.kid).toBe(keyA.kid);
    expect((await jwksOf(client)).map((key) => (key as { kid: string }).kid)).toEqual([keyA.kid]);
    const userId = (await client.get('/auth/me', { token: tokenA })).body.id as string;

    // 2. Signing with B, A's public key still accepted.
    client = await restart({ JWT_PRIVATE_KEY_FILE: fileB, JWT_PREVIOUS_PUBLIC_KEY_FILES: publicFileA });
    expect((await client.get('/auth/me', { token: tokenA })).status).toBe(200);
    const refreshed = await client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refreshed.status).toBe(200);
    const tokenB = refreshed.body.accessToken as string;
    expect(decodeJwt(tokenB).header.kid).toBe(keyB.kid);
    expect((await client.get('/auth/me', { token: tokenB })).status).toBe(200);
    const jwks = await jwksOf(client);
    expect(jwks.map((key) => (key as { kid: string }).kid)).toEqual([keyB.kid, keyA.kid]);
    for (const key of jwks) expect(key).not.toHaveProperty('d');
    // A third-party verifier with the published set accepts both.
    const { results } = await joseVerify(t as TestApp, [tokenA, tokenB], { jwks: { keys: jwks } });
    expect(results).toEqual([
      { ok: true, kid: keyA.kid, sub: userId },
      { ok: true, kid: keyB.kid, sub: userId },
    ]);

    // 3. B only: A's tokens are refused, B's (same session) still work.
    client = await restart({ JWT_PRIVATE_KEY_FILE: fileB });
    expectError(await client.get('/auth/me', { token: tokenA }), 401);
    expect((await client.get('/auth/me', { token: tokenB })).status).toBe(200);
    expect((await jwksOf(client)).map((key) => (key as { kid: string }).kid)).toEqual([keyB.kid]);

    // Tokens signed here: the server's current key under the right kid passes (control)…
    const subject = { sub: userId, sid: decodeJwt(tokenB).claims.sid as string };
    const meWith = (privateKey: KeyObject, header: Record<string, unknown>) =>
      client.get('/auth/me', { token: signAccessToken(t as TestApp, privateKey, header, subject) });
    expect((await meWith(keyB.privateKey, { kid: keyB.kid })).status).toBe(200);
    // …an unknown key under its own kid, or under B's kid, does not…
    const keyC = newEcKey();
    expectError(await meWith(keyC.privateKey, { kid: keyC.kid }), 401);
    expectError(await meWith(keyC.privateKey, { kid: keyB.kid }), 401);
    // …nor does the right key under an unknown kid, or no kid: the kid picks the key, never a fallback.
    expectError(await meWith(keyB.privateKey, { kid: 'some-other-key' }), 401);
    expectError(await meWith(keyB.privateKey, {}), 401);
    // …nor the retired key A, freshly signed.
    expectError(await meWith(keyA.privateKey, { kid: keyA.kid }), 401);
  }, 60_000);
});

/** Waits out the last 2 s of a TOTP step, so a code for the previous step cannot expire in flight. */
async function awayFromStepBoundary(): Promise<void> {
  const intoStep = Date.now() % 30_000;
  if (intoStep > 28_000) await sleep(30_000 - intoStep + 100);
}

/**
 * The earliest code the server still accepts after `lastStep`: one step back
 * (TOTP_WINDOW=1) when nothing newer was used, so one user gets three logins
 * out of one 30 s step.
 */
function earliestCode(secret: string, lastStep: number | null): { code: string; step: number } {
  const now = currentStep();
  const step = lastStep === null ? now - 1 : Math.max(lastStep + 1, now - 1);
  if (step > now + 1) throw new Error('no fresh TOTP step within the window');
  return { code: totpAt(secret, step), step };
}

describe('APP_SECRET rotation', () => {
  const s1 = randomBytes(32).toString('base64url');
  const s2 = randomBytes(32).toString('base64url');
  let t: TestApp | undefined;
  let dataDir: string;

  afterAll(async () => {
    await t?.close();
    if (dataDir) removeDataDir(dataDir);
  });

  async function restart(overrides: Record<string, string>): Promise<HttpsClient> {
    await t?.close();
    t = await startTestApp({ ...RELAXED_LIMITS, ...overrides }, dataDir ? { dataDir } : {});
    dataDir = t.dataDir;
    return new HttpsClient(t.port, t.ca);
  }

  const sealedSecretOf = async (userId: string) =>
    (await (t as TestApp).app.get(DataSource).getRepository(User).findOneByOrFail({ id: userId })).totpSecret;

  it('S1 → S2 with S1 as previous → S2 only: secrets re-sealed at login keep working, the others do not', async () => {
    // 1. Under S1: two enrolled users, each with recovery codes, and one half-way through enrollment.
    let client = await restart({ APP_SECRET: s1 });
    const { username, password, id: activeId, enrollmentTicket } = await register(client);
    const enrollToken = await login(client, username, password);
    const setup = await client.post('/auth/2fa/setup', { token: enrollToken, body: { enrollmentTicket } });
    await awayFromStepBoundary();
    const first = earliestCode(setup.body.secret, null);
    const enable = await client.post('/auth/2fa/enable', { token: enrollToken, body: { code: first.code } });
    expect(enable.status).toBe(200);
    const active = {
      username,
      password,
      secret: setup.body.secret as string,
      recoveryCodes: enable.body.recoveryCodes as string[],
    };
    let lastStep = first.step;

    const idle = await enrolledUser(client);
    const idleId = (await client.get('/auth/me', { token: idle.accessToken })).body.id as string;
    const sealedUnderS1 = { active: await sealedSecretOf(activeId), idle: await sealedSecretOf(idleId) };
    // Set up (pending secret sealed under S1) but not yet confirmed.
    const late = await register(client);
    const lateSetup = await client.post('/auth/2fa/setup', {
      token: await login(client, late.username, late.password),
      body: { enrollmentTicket: late.enrollmentTicket },
    });
    expect(lateSetup.status).toBe(200);
    const lateSecret = lateSetup.body.secret as string;
    // Pre-auth tokens signed under S1, to be presented after each restart.
    const preAuthForOverlap = await login(client, active.username, active.password);
    const preAuthForAfter = await login(client, active.username, active.password);

    // 2. S2 current, S1 previous: everything made under S1 still works.
    client = await restart({ APP_SECRET: s2, APP_SECRET_PREVIOUS: s1 });
    const second = earliestCode(active.secret, lastStep);
    const overlap = await client.post('/auth/2fa/verify', { token: preAuthForOverlap, body: { code: second.code } });
    expect(overlap.status).toBe(200);
    lastStep = second.step;
    // That login re-sealed the active user's TOTP secret under S2; the idle user's is untouched.
    expect(await sealedSecretOf(activeId)).not.toBe(sealedUnderS1.active);
    expect(await sealedSecretOf(idleId)).toBe(sealedUnderS1.idle);
    const byRecovery = await recoveryLogin(client, active.username, active.password, active.recoveryCodes[0]);
    expect(byRecovery.status).toBe(200);
    expect(byRecovery.body.recoveryCodesRemaining).toBe(9);
    // Enrolling during the overlap is a login too: the secret set up under S1 is stored under S2.
    const lateCode = freshCode(lateSecret, null);
    const lateEnable = await client.post('/auth/2fa/enable', {
      token: await login(client, late.username, late.password),
      body: { code: lateCode.code },
    });
    expect(lateEnable.status).toBe(200);

    // 3. S2 only.
    client = await restart({ APP_SECRET: s2 });
    // A pre-auth token signed under S1 is no longer accepted.
    expectError(await client.post('/auth/2fa/verify', { token: preAuthForAfter, body: { code: '000000' } }), 401);
    // The re-sealed TOTP secret opens under S2 alone: the lazy re-encryption happened.
    const third = earliestCode(active.secret, lastStep);
    const afterLogin = await login(client, active.username, active.password);
    const after = await client.post('/auth/2fa/verify', { token: afterLogin, body: { code: third.code } });
    expect(after.status).toBe(200);
    expect((await client.get('/auth/me', { token: after.body.accessToken })).status).toBe(200);
    // So does the secret enrolled during the overlap.
    const lateLogin = await login(client, late.username, late.password);
    const lateAfter = freshCode(lateSecret, lateCode.step);
    const lateVerify = await client.post('/auth/2fa/verify', { token: lateLogin, body: { code: lateAfter.code } });
    expect(lateVerify.status).toBe(200);
    // Recovery codes are only ever stored as HMACs under the secret of their day: the
    // unused ones issued under S1 die with it (regenerating them is the way out).
    expectError(await recoveryLogin(client, active.username, active.password, active.recoveryCodes[1]), 401);

    // The idle user's TOTP secret is still sealed under S1, which is gone: the server
    // cannot open it. That is a server-side failure, not a wrong code: a 500 in the
    // standard error shape, nothing more.
    const idleLogin = await login(client, idle.username, idle.password);
    const { code: idleCode } = freshCode(idle.secret, idle.lastStep);
    const broken = await client.post('/auth/2fa/verify', { token: idleLogin, body: { code: idleCode } });
    expectError(broken, 500, 'Internal server error');
    expectError(await recoveryLogin(client, idle.username, idle.password, idle.recoveryCodes[0]), 401);
  }, 60_000);
});
