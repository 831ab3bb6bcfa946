import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { readJwtHeader } from './jwt-header';
import { KeyRing } from './key-ring';
import { ACCESS_TOKEN_TYP, PREAUTH_TOKEN_TYP } from './token-types';

function es256Ring(): KeyRing {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  return new KeyRing(
    { appSecret: randomBytes(32), jwtPrivateKeyPem: String(pem), jwtPreviousPublicKeyPems: [] },
    { preAuthTtlSeconds: 300 },
  );
}

function hs256Ring(): KeyRing {
  return new KeyRing(
    { appSecret: randomBytes(32), jwtSecret: randomBytes(32), jwtPreviousPublicKeyPems: [] },
    { preAuthTtlSeconds: 300 },
  );
}

/** Signed the way AccessTokenService signs, with a header the test may change. */
function accessToken(ring: KeyRing, header: Record<string, unknown> = {}): string {
  return jwt.sign({ sub: 'user', sid: 'session', amr: ['pwd', 'otp'] }, ring.accessSigningKey, {
    algorithm: ring.accessAlgorithm,
    keyid: ring.accessKid,
    header: { alg: ring.accessAlgorithm, typ: ACCESS_TOKEN_TYP, ...header },
    expiresIn: 900,
  });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The signing input re-signed with another header, by the ring's own key. */
function resigned(ring: KeyRing, token: string, header: Record<string, unknown>): string {
  const payload = token.split('.')[1];
  const input = `${b64(header)}.${payload}`;
  const signature =
    ring.accessAlgorithm === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: ring.accessSigningKey, dsaEncoding: 'ieee-p1363' })
      : createHmac('sha256', ring.accessSigningKey).update(input).digest();
  return `${input}.${signature.toString('base64url')}`;
}

function flipBit(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[3] ^= 1;
  return bytes.toString('base64url');
}

/** What passport-jwt decides: the access-token strategy's key choice, then jsonwebtoken with the algorithm pinned. */
function jsonwebtokenAccepts(ring: KeyRing, token: string): boolean {
  const header = readJwtHeader(token);
  const key = header?.typ === ACCESS_TOKEN_TYP ? ring.accessVerifyKey(header.kid) : undefined;
  if (!key) return false;
  try {
    jwt.verify(token, key, { algorithms: [ring.accessAlgorithm] });
    return true;
  } catch {
    return false;
  }
}

describe.each([
  ['ES256', es256Ring],
  ['HS256', hs256Ring],
])('KeyRing.accessSignatureVerifies (%s)', (_alg, makeRing) => {
  const ring = makeRing();
  const other = makeRing();
  const token = accessToken(ring);
  const [header, payload, signature] = token.split('.');

  it('accepts an access token signed with the ring’s key', () => {
    expect(ring.accessSignatureVerifies(token)).toBe(true);
  });

  it.each([
    ['a changed payload', `${header}.${b64({ sub: 'admin', sid: 'session', amr: ['pwd', 'otp'] })}.${signature}`],
    ['a flipped signature bit', `${header}.${payload}.${flipBit(signature)}`],
    ['a stripped signature', `${header}.${payload}.`],
    ['no signature part', `${header}.${payload}`],
    ['a truncated signature', `${header}.${payload}.${signature.slice(0, 20)}`],
    ['another key’s token with this key’s kid', accessToken(other).replace(/^[^.]+/, header)],
    ['alg none', `${b64({ alg: 'none', typ: ACCESS_TOKEN_TYP, kid: ring.accessKid })}.${payload}.`],
    ['garbage', 'not-a-token'],
    ['an empty string', ''],
  ])('refuses %s', (_what, forged) => {
    expect(ring.accessSignatureVerifies(forged)).toBe(false);
    expect(jsonwebtokenAccepts(ring, forged)).toBe(false);
  });

  it('re-signs headers correctly (the cases below change only what they name)', () => {
    const same = resigned(ring, token, { alg: ring.accessAlgorithm, typ: ACCESS_TOKEN_TYP, kid: ring.accessKid });
    expect(ring.accessSignatureVerifies(same)).toBe(true);
    expect(jsonwebtokenAccepts(ring, same)).toBe(true);
  });

  it.each([
    ['the pre-auth type', { typ: PREAUTH_TOKEN_TYP }],
    ['no type', { typ: undefined }],
    ['an unknown kid', { kid: 'unknown' }],
    ['another algorithm', { alg: ring.accessAlgorithm === 'ES256' ? 'HS256' : 'ES256' }],
  ])('refuses a correctly signed token with %s in its header', (_what, change) => {
    const changed = resigned(ring, token, {
      alg: ring.accessAlgorithm,
      typ: ACCESS_TOKEN_TYP,
      kid: ring.accessKid,
      ...change,
    });
    expect(ring.accessSignatureVerifies(changed)).toBe(false);
    expect(jsonwebtokenAccepts(ring, changed)).toBe(false);
  });

  it('never refuses a token that jsonwebtoken accepts (random single-character changes)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    let accepted = 0;
    for (let i = 0; i < 300; i += 1) {
      const at = i % token.length;
      const mutated = token.slice(0, at) + alphabet[(i * 7) % alphabet.length] + token.slice(at + 1);
      const verdict = jsonwebtokenAccepts(ring, mutated);
      if (verdict) accepted += 1;
      if (verdict) expect(ring.accessSignatureVerifies(mutated)).toBe(true);
    }
    // Unchanged characters and base64url's unused trailing bits keep some tokens valid: the check above ran.
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('KeyRing: pre-auth keys across an APP_SECRET rotation', () => {
  const s1 = randomBytes(32);
  const s2 = randomBytes(32);
  const PREAUTH_TTL = 300;
  const ringWith = (appSecret: Buffer, previousAppSecret: Buffer | undefined, now: () => number) =>
    new KeyRing(
      { appSecret, previousAppSecret, jwtSecret: randomBytes(32), jwtPreviousPublicKeyPems: [] },
      { preAuthTtlSeconds: PREAUTH_TTL, now },
    );

  /** A pre-auth token as PreAuthTokenService signs it, valid for a day so that only the key decides. */
  const preAuthToken = (ring: KeyRing) =>
    jwt.sign({ amr: ['pwd'] }, ring.preAuthSigningKey, {
      algorithm: 'HS256',
      keyid: ring.preAuthKid,
      header: { alg: 'HS256', typ: PREAUTH_TOKEN_TYP },
      subject: 'user',
      expiresIn: 86_400,
    });

  /** What the pre-auth strategy decides: the key its kid names, then jsonwebtoken with HS256 pinned. */
  const accepts = (ring: KeyRing, token: string) => {
    const key = ring.preAuthVerifyKey(readJwtHeader(token)?.kid);
    if (!key) return false;
    try {
      jwt.verify(token, key, { algorithms: ['HS256'] });
      return true;
    } catch {
      return false;
    }
  };

  const startedAt = 1_800_000_000_000;
  let now = startedAt;
  const clock = () => now;
  beforeEach(() => {
    now = startedAt;
  });

  it('accepts a token under the previous secret until PREAUTH_TTL after startup, then never again', () => {
    const underS1 = preAuthToken(ringWith(s1, undefined, clock));
    const rotated = ringWith(s2, s1, clock);
    expect(rotated.previousPreAuthUntil).toBe(startedAt + PREAUTH_TTL * 1000);

    expect(accepts(rotated, underS1)).toBe(true);
    now = startedAt + PREAUTH_TTL * 1000 - 1;
    expect(accepts(rotated, underS1)).toBe(true);
    now = startedAt + PREAUTH_TTL * 1000;
    expect(accepts(rotated, underS1)).toBe(false);
    now = startedAt + 30 * 86_400_000;
    expect(accepts(rotated, underS1)).toBe(false);
  });

  it('keeps accepting tokens under the current secret after the deadline', () => {
    const rotated = ringWith(s2, s1, clock);
    now = startedAt + 30 * 86_400_000;
    expect(accepts(rotated, preAuthToken(rotated))).toBe(true);
    expect(accepts(rotated, preAuthToken(ringWith(s2, undefined, clock)))).toBe(true);
  });

  it('signs only with the current secret, also before the deadline', () => {
    const rotated = ringWith(s2, s1, clock);
    const withoutPrevious = ringWith(s2, undefined, clock);
    expect(rotated.preAuthKid).toBe(withoutPrevious.preAuthKid);
    expect(accepts(withoutPrevious, preAuthToken(rotated))).toBe(true);
    expect(accepts(ringWith(s1, undefined, clock), preAuthToken(rotated))).toBe(false);
  });

  it('without APP_SECRET_PREVIOUS, a token under another secret never verifies and there is no deadline', () => {
    const ring = ringWith(s2, undefined, clock);
    expect(ring.previousPreAuthUntil).toBeNull();
    expect(accepts(ring, preAuthToken(ringWith(s1, undefined, clock)))).toBe(false);
  });

  it('a token under the previous secret with the current kid in its header does not verify', () => {
    const rotated = ringWith(s2, s1, clock);
    const underS1 = preAuthToken(ringWith(s1, undefined, clock));
    const [, payload, signature] = underS1.split('.');
    const relabelled = `${b64({ alg: 'HS256', typ: PREAUTH_TOKEN_TYP, kid: rotated.preAuthKid })}.${payload}.${signature}`;
    expect(accepts(rotated, relabelled)).toBe(false);
  });
});
