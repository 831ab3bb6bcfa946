import { Injectable } from '@nestjs/common';
import { deriveKey } from '../crypto/key-derivation';
import { SecretBox } from '../crypto/secret-box';

export interface OpenedSecret {
  secret: string;
  /** Set when the value was sealed under APP_SECRET_PREVIOUS: store this instead. */
  resealed?: string;
}

/**
 * TOTP secrets at rest: AES-256-GCM under a sub-key of APP_SECRET, with the
 * user id as associated data so a sealed secret moved to another row does
 * not open. After an APP_SECRET rotation, values sealed under
 * APP_SECRET_PREVIOUS still open and come back re-sealed under the current
 * key, so the database migrates itself as users log in.
 */
@Injectable()
export class TotpSecretVault {
  private readonly current: SecretBox;
  private readonly previous?: SecretBox;

  constructor(appSecret: Buffer, previousAppSecret?: Buffer) {
    this.current = new SecretBox(deriveKey(appSecret, 'totp-secret-encryption'));
    if (previousAppSecret) this.previous = new SecretBox(deriveKey(previousAppSecret, 'totp-secret-encryption'));
  }

  seal(secret: string, userId: string): string {
    return this.current.seal(secret, userId);
  }

  open(sealed: string, userId: string): OpenedSecret {
    try {
      return { secret: this.current.open(sealed, userId) };
    } catch (error) {
      if (!this.previous) throw error;
      const secret = this.previous.open(sealed, userId);
      return { secret, resealed: this.current.seal(secret, userId) };
    }
  }
}
