import { createHmac } from 'node:crypto';
import { deriveKey } from './key-derivation';

/**
 * HMACs of user-held secrets (recovery codes, enrollment tickets) under a
 * sub-key of APP_SECRET: a leaked table is useless without the secret. The
 * previous APP_SECRET, while configured, still yields a matching hash for
 * values issued before a rotation; it never hashes a new one.
 */
export class KeyedHasher {
  private readonly keys: Buffer[];

  constructor(label: string, appSecret: Buffer, previousAppSecret?: Buffer) {
    this.keys = [appSecret, ...(previousAppSecret ? [previousAppSecret] : [])].map((secret) =>
      deriveKey(secret, label),
    );
  }

  /** The hash stored for a new value: always under the current key. */
  hash(value: string): string {
    return this.hashWith(this.keys[0], value);
  }

  /** Every hash the value may be stored under: current key first. */
  candidates(value: string): string[] {
    return this.keys.map((key) => this.hashWith(key, value));
  }

  private hashWith(key: Buffer, value: string): string {
    return createHmac('sha256', key).update(value).digest('hex');
  }
}
