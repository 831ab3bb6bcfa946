import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { readJwtHeader } from './jwt-header';
import { KeyRing } from './key-ring';
import { ACCESS_TOKEN_TYP, PREAUTH_TOKEN_TYP } from './token-types';

function es256Ring(): KeyRing {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  return new KeyRing({ appSecret: randomBytes(32), jwtPrivateKeyPem: String(pem), jwtPreviousPublicKeyPems: [] });
}

function hs256Ring(): KeyRing {
  return new KeyRing({ appSecret: randomBytes(32), jwtSecret: randomBytes(32), jwtPreviousPublicKeyPems: [] });
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
    const changed = resigned(ring, token, { alg: ring.accessAlgorithm, typ: ACCESS_TOKEN_TYP, kid: ring.accessKid, ...change });
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
