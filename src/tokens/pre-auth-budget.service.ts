import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service';
import { ShortLivedStore } from '../state/short-lived.store';
import { STALE_PRE_AUTH } from './token-types';

/**
 * Server-side state of pre-auth tokens, keyed by jti and kept only until the
 * token expires: whether it was already exchanged (single use), and how many
 * codes were tried with it (a budget, so a stolen pre-auth token buys at most
 * a handful of guesses at a 6-digit code).
 */
@Injectable()
export class PreAuthBudgetService {
  private readonly maxAttempts: number;

  constructor(
    private readonly store: ShortLivedStore,
    config: AppConfigService,
  ) {
    this.maxAttempts = config.app.preAuth.maxCodeAttempts;
  }

  async isSpent(jti: string): Promise<boolean> {
    return (await this.store.get(this.usedKey(jti))) !== null;
  }

  /**
   * Counts a code attempt before the code is checked, so concurrent guesses
   * cannot all slip in under the budget. Once the budget is gone the token is
   * dead, even for the right code.
   */
  async chargeCodeAttempt(jti: string, expiresAtSeconds: number): Promise<void> {
    const { value } = await this.store.increment(this.attemptsKey(jti), this.ttlMs(expiresAtSeconds));
    if (value > this.maxAttempts) throw this.dead();
  }

  /** A charged attempt that proved right without ending the login (a valid enrollment ticket at setup). */
  async refundCodeAttempt(jti: string): Promise<void> {
    await this.store.decrement(this.attemptsKey(jti));
  }

  /** Marks the token used; of two concurrent exchanges only one succeeds. */
  async spend(jti: string, expiresAtSeconds: number): Promise<void> {
    if (!(await this.store.setIfAbsent(this.usedKey(jti), this.ttlMs(expiresAtSeconds)))) throw this.dead();
  }

  private ttlMs(expiresAtSeconds: number): number {
    // A little past exp, so the record cannot vanish while the token still verifies.
    return Math.max(1000, expiresAtSeconds * 1000 - Date.now() + 5000);
  }

  private usedKey(jti: string): string {
    return `preauth:used:${jti}`;
  }

  private attemptsKey(jti: string): string {
    return `preauth:attempts:${jti}`;
  }

  private dead(): UnauthorizedException {
    return new UnauthorizedException(STALE_PRE_AUTH);
  }
}
