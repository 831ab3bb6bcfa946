import { Injectable } from '@nestjs/common';
import { NobleCryptoPlugin, ScureBase32Plugin, TOTP, generateSecret } from 'otplib';

// The parameters every mainstream authenticator app assumes (RFC 6238
// defaults); the key URI advertises them explicitly all the same.
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const SECRET_BYTES = 20; // 160 bits, the HMAC-SHA1 block-size recommendation of RFC 4226
const MAX_WINDOW = 10;
const CODE_FORMAT = /^[0-9]{6}$/;

export interface TotpServiceOptions {
  /** Accepted clock drift, in 30 s steps either side of the current step. */
  window: number;
  issuer: string;
  /** Millisecond clock, injectable for tests. */
  now?: () => number;
}

export type TotpVerification = { valid: true; timeStep: number } | { valid: false; replay: boolean };

@Injectable()
export class TotpService {
  private readonly window: number;
  private readonly issuer: string;
  private readonly now: () => number;
  private readonly totp = new TOTP({
    algorithm: 'sha1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    crypto: new NobleCryptoPlugin(),
    base32: new ScureBase32Plugin(),
  });

  constructor(options: TotpServiceOptions) {
    if (!Number.isInteger(options.window) || options.window < 0 || options.window > MAX_WINDOW) {
      throw new Error(`TOTP window must be an integer between 0 and ${MAX_WINDOW}`);
    }
    this.window = options.window;
    this.issuer = options.issuer;
    this.now = options.now ?? Date.now;
  }

  /** Base32 encoding of 20 bytes from the CSPRNG. */
  generateSecret(): string {
    return generateSecret({ length: SECRET_BYTES });
  }

  /**
   * otplib's generateURI leaves out parameters equal to the defaults; they are
   * spelled out here because some authenticator apps do not assume them.
   */
  keyUri(username: string, secret: string): string {
    const issuer = encodeURIComponent(this.issuer);
    const account = encodeURIComponent(username);
    return (
      `otpauth://totp/${issuer}:${account}?secret=${encodeURIComponent(secret)}&issuer=${issuer}` +
      `&algorithm=SHA1&digits=${DIGITS}&period=${PERIOD_SECONDS}`
    );
  }

  /** ASCII digits only: `\d` or Number() would also admit other scripts' digits and whitespace. */
  isWellFormedCode(code: unknown): code is string {
    return typeof code === 'string' && CODE_FORMAT.test(code);
  }

  /**
   * Checks `code` against the current step ± window. A code whose step is not
   * after `lastAcceptedStep` is refused even if correct: a TOTP code must be
   * usable only once, or an observed/phished code could be replayed within
   * its validity window. On success the caller must persist `timeStep` as the
   * new `lastAcceptedStep`.
   */
  async verify(secret: string, code: string, lastAcceptedStep: number | null): Promise<TotpVerification> {
    if (!this.isWellFormedCode(code)) {
      return { valid: false, replay: false };
    }
    const epoch = Math.floor(this.now() / 1000);
    const options = { secret, epoch, epochTolerance: this.window * PERIOD_SECONDS };
    try {
      if (lastAcceptedStep === null) {
        const result = await this.totp.verify(code, options);
        return result.valid ? { valid: true, timeStep: result.timeStep } : { valid: false, replay: false };
      }
      // otplib throws when afterTimeStep lies beyond the newest step it would
      // check (e.g. the server clock moved back); every step is then already
      // used, which clamping expresses without the exception.
      const newestStep = Math.floor(epoch / PERIOD_SECONDS) + this.window;
      const afterTimeStep = Math.min(lastAcceptedStep, newestStep);
      const fresh = await this.totp.verify(code, { ...options, afterTimeStep });
      if (fresh.valid) {
        return { valid: true, timeStep: fresh.timeStep };
      }
      const ignoringReplay = await this.totp.verify(code, options);
      return { valid: false, replay: ignoringReplay.valid };
    } catch {
      // Whatever otplib rejects (and it throws rather than returning false on
      // unusable input) is a failed verification, never a 500.
      return { valid: false, replay: false };
    }
  }

  async generate(secret: string, atMs: number = this.now()): Promise<string> {
    return this.totp.generate({ secret, epoch: Math.floor(atMs / 1000) });
  }
}
