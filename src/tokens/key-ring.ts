import { createHash, createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { ConfigError } from '../config/config.error';
import type { RuntimeSecrets } from '../config/runtime-secrets';
import { deriveKey } from '../crypto/key-derivation';

export type AccessAlgorithm = 'ES256' | 'HS256';

/**
 * Every signing and verification key, parsed once into KeyObjects at
 * startup. jsonwebtoken given a string key re-parses it on every call (and
 * first tries it as a public key, which is slow on OpenSSL 3): measured ~20x
 * slower per verification.
 */
export class KeyRing {
  /** HMAC key of pre-auth tokens: derived, never published, never the access key. */
  readonly preAuthKey: KeyObject;
  readonly accessAlgorithm: AccessAlgorithm;
  readonly accessSigningKey: KeyObject;
  readonly accessKid: string;
  private readonly accessVerifyKeys: ReadonlyMap<string, KeyObject>;

  constructor(secrets: RuntimeSecrets) {
    this.preAuthKey = createSecretKey(deriveKey(secrets.appSecret, 'preauth-jwt'));
    if (secrets.jwtSecret) {
      this.accessAlgorithm = 'HS256';
      this.accessSigningKey = createSecretKey(secrets.jwtSecret);
      this.accessKid = `hs-${createHash('sha256').update('kid\0').update(secrets.jwtSecret).digest('base64url').slice(0, 16)}`;
      this.accessVerifyKeys = new Map([[this.accessKid, this.accessSigningKey]]);
      return;
    }
    this.accessAlgorithm = 'ES256';
    this.accessSigningKey = parseEs256PrivateKey(secrets.jwtPrivateKeyPem ?? '');
    const publicKey = createPublicKey(this.accessSigningKey);
    this.accessKid = jwkThumbprint(publicKey);
    this.accessVerifyKeys = new Map([[this.accessKid, publicKey]]);
  }

  /** The verification key for a token's kid, or undefined for an unknown kid. */
  accessVerifyKey(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.accessVerifyKeys.get(kid) : undefined;
  }
}

function parseEs256PrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError(['JWT_PRIVATE_KEY_FILE: not a PEM private key']);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError(['JWT_PRIVATE_KEY_FILE: ES256 needs an EC P-256 (prime256v1) key']);
  }
  return key;
}

/** RFC 7638 thumbprint: a kid that follows from the key itself. */
function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
