import { hkdfSync } from 'node:crypto';

// A fixed, versioned salt: HKDF only needs it to be public and constant, and
// bumping the version is how every derived key gets rotated at once.
const SALT = 'nest-2fa-api/v1';

/**
 * Derives an independent sub-key from the single application secret.
 * Using a distinct `label` (HKDF "info") per purpose ('preauth-jwt',
 * 'totp-secret-encryption', 'recovery-code-hmac', ...) means a key leaked or
 * misused in one context reveals nothing about the others.
 */
export function deriveKey(appSecret: Buffer, label: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, SALT, label, length));
}
