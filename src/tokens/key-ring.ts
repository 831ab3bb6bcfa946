import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { ConfigError } from '../config/config.error';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { deriveKey } from '../crypto/key-derivation';
import { readJwtHeader } from './jwt-header';
import { ACCESS_TOKEN_TYP } from './token-types';

export type AccessAlgorithm = 'ES256' | 'HS256';

export interface KeyRingOptions {
  /** PREAUTH_TTL: the longest a pre-auth token signed before this start can still be unexpired. */
  preAuthTtlSeconds: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/**
 * Every signing and verification key, parsed once into KeyObjects at
 * startup. jsonwebtoken given a string key re-parses it on every call (and
 * first tries it as a public key, which is slow on OpenSSL 3; figures:
 * docs/performance.md, "Forged tokens").
 *
 * Rotation: tokens name their key by kid. The current key signs; earlier
 * public keys (JWT_PREVIOUS_PUBLIC_KEY_FILES) still verify until their tokens
 * have expired. The pre-auth key derived from APP_SECRET_PREVIOUS verifies
 * only until PREAUTH_TTL after startup: every pre-auth token signed before
 * the rotation has expired by then, and a secret being rotated out (perhaps
 * because it leaked) must not go on minting "password already checked"
 * tokens for as long as it stays configured to open old TOTP secrets and
 * recovery codes. An unknown kid verifies nothing.
 */
export class KeyRing {
  readonly preAuthKid: string;
  readonly preAuthSigningKey: KeyObject;
  readonly accessAlgorithm: AccessAlgorithm;
  readonly accessSigningKey: KeyObject;
  readonly accessKid: string;
  private readonly previousPreAuth: { kid: string; key: KeyObject; until: number } | null;
  private readonly now: () => number;
  private readonly accessVerifyKeys: ReadonlyMap<string, KeyObject>;
  private readonly jwks: PublicJwk[] = [];

  constructor(secrets: RuntimeSecrets, options: KeyRingOptions) {
    this.now = options.now ?? Date.now;
    // Pre-auth tokens: HMAC under a sub-key of APP_SECRET, never published,
    // never the access key.
    this.preAuthSigningKey = preAuthKey(secrets.appSecret);
    this.preAuthKid = secretKid(this.preAuthSigningKey);
    const previous = secrets.previousAppSecret ? preAuthKey(secrets.previousAppSecret) : null;
    this.previousPreAuth = previous && {
      kid: secretKid(previous),
      key: previous,
      until: this.now() + options.preAuthTtlSeconds * 1000,
    };

    if (secrets.jwtSecret) {
      this.accessAlgorithm = 'HS256';
      this.accessSigningKey = createSecretKey(secrets.jwtSecret);
      this.accessKid = secretKid(this.accessSigningKey);
      this.accessVerifyKeys = new Map([[this.accessKid, this.accessSigningKey]]);
      return;
    }
    this.accessAlgorithm = 'ES256';
    this.accessSigningKey = parseEs256PrivateKey(secrets.jwtPrivateKeyPem ?? '');
    const publicKeys = [
      createPublicKey(this.accessSigningKey),
      ...secrets.jwtPreviousPublicKeyPems.map((pem) => parseEs256PublicKey(pem)),
    ];
    const verify = new Map<string, KeyObject>();
    for (const key of publicKeys) {
      const jwk = key.export({ format: 'jwk' });
      const kid = jwkThumbprint(jwk);
      if (verify.has(kid)) continue;
      verify.set(kid, key);
      this.jwks.push({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' });
    }
    this.accessKid = this.jwks[0].kid;
    this.accessVerifyKeys = verify;
  }

  /** The verification key for an access token's kid, or undefined for an unknown kid. */
  accessVerifyKey(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.accessVerifyKeys.get(kid) : undefined;
  }

  /**
   * Whether `token` is an access token whose signature verifies under the
   * key its kid names, with the pinned algorithm: one signature check and
   * nothing else (no claim is read). False is final: the token cannot pass
   * passport-jwt either. True decides nothing; passport-jwt still checks
   * everything. It lets a forged token be refused before passport and
   * jsonwebtoken build their error objects around it.
   */
  accessSignatureVerifies(token: string): boolean {
    const header = readJwtHeader(token);
    if (header?.typ !== ACCESS_TOKEN_TYP || header.alg !== this.accessAlgorithm) return false;
    const key = this.accessVerifyKey(header.kid);
    const lastDot = token.lastIndexOf('.');
    if (!key || lastDot < 0) return false;
    const signingInput = Buffer.from(token.slice(0, lastDot), 'ascii');
    const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
    if (this.accessAlgorithm === 'ES256') {
      // JWS carries ECDSA signatures as r || s (64 bytes), not DER.
      return signature.length === 64 && verify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    const expected = createHmac('sha256', key).update(signingInput).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }

  preAuthVerifyKey(kid: unknown): KeyObject | undefined {
    if (kid === this.preAuthKid) return this.preAuthSigningKey;
    const previous = this.previousPreAuth;
    if (previous && kid === previous.kid && this.now() < previous.until) return previous.key;
    return undefined;
  }

  /** Until when (epoch ms) pre-auth tokens under APP_SECRET_PREVIOUS verify; null without one. */
  get previousPreAuthUntil(): number | null {
    return this.previousPreAuth?.until ?? null;
  }

  /** Public access-token keys for /.well-known/jwks.json; empty with HS256, whose key is secret. */
  publicJwks(): PublicJwk[] {
    return this.jwks;
  }
}

function parseEs256PrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError([{ variable: 'JWT_PRIVATE_KEY_FILE', message: 'not a PEM private key' }]);
  }
  assertP256(key, 'JWT_PRIVATE_KEY_FILE');
  return key;
}

function parseEs256PublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError([{ variable: 'JWT_PREVIOUS_PUBLIC_KEY_FILES', message: 'not a PEM public key' }]);
  }
  assertP256(key, 'JWT_PREVIOUS_PUBLIC_KEY_FILES');
  return key;
}

function assertP256(key: KeyObject, variable: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError([{ variable, message: 'ES256 needs an EC P-256 (prime256v1) key' }]);
  }
}

function preAuthKey(appSecret: Buffer): KeyObject {
  return createSecretKey(deriveKey(appSecret, 'preauth-jwt'));
}

/** RFC 7638 thumbprint: a kid that follows from the key itself. */
function jwkThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A kid for a secret key that reveals nothing usable about it. */
function secretKid(key: KeyObject): string {
  return `hs-${createHash('sha256').update('kid\0').update(key.export()).digest('base64url').slice(0, 16)}`;
}
