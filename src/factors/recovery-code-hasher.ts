import { KeyedHasher } from '../crypto/keyed-hasher';

/**
 * Keyed hashes of recovery codes: 50-bit codes are too short for a plain
 * hash to resist an offline search of a leaked table.
 */
export class RecoveryCodeHasher extends KeyedHasher {
  constructor(appSecret: Buffer, previousAppSecret?: Buffer) {
    super('recovery-code-hmac', appSecret, previousAppSecret);
  }
}
