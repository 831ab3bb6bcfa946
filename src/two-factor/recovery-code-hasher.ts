import { createHmac } from 'node:crypto';
import { deriveKey } from '../crypto/key-derivation';

/**
 * Keyed hashes of recovery codes. 50-bit codes are too short for a plain
 * hash to resist an offline search of a leaked table; an HMAC under a
 * sub-key of APP_SECRET makes the table useless without the secret. The
 * previous APP_SECRET, while configured, still yields a matching hash for
 * codes issued before a rotation.
 */
export class RecoveryCodeHasher {
  private readonly keys: Buffer[];

  constructor(appSecret: Buffer, previousAppSecret?: Buffer) {
    this.keys = [appSecret, ...(previousAppSecret ? [previousAppSecret] : [])].map((secret) =>
      deriveKey(secret, 'recovery-code-hmac'),
    );
  }

  /** The hash stored for a new code: always under the current key. */
  hash(code: string): string {
    return this.hashWith(this.keys[0], code);
  }

  /** Every hash the code may be stored under: current key first. */
  candidates(code: string): string[] {
    return this.keys.map((key) => this.hashWith(key, code));
  }

  private hashWith(key: Buffer, code: string): string {
    return createHmac('sha256', key).update(code).digest('hex');
  }
}
