import { Injectable } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { TooManyRequestsException } from '../common/too-many-requests.exception';
import { AppConfigService } from '../config/app-config.service';
import { ShortLivedStore } from '../state/short-lived.store';

/**
 * Whose failures an attempt counts against. Without a device token: the
 * account's untrusted counter, keyed by the submitted username (existing or
 * not: a lock says nothing about whether the account exists). With a valid
 * device token of that user: that device's own counter (OWASP "device
 * cookies"), so an attacker who fills the untrusted counter from anywhere
 * does not lock the owner's known devices out, and a device that guesses is
 * locked alone.
 */
export interface LockoutSubject {
  username: string;
  deviceId?: string | null;
}

/**
 * Per-account lockout, independent of the client address, so spreading
 * guesses over many addresses gains nothing.
 *
 * An attempt reserves its slot before the password or code is checked and
 * gives it back on success. Checking first and counting afterwards would let
 * concurrent requests all pass the check before any of them is counted.
 */
@Injectable()
export class AccountLockoutService {
  private readonly threshold: number;
  private readonly lockoutMs: number;

  constructor(
    private readonly store: ShortLivedStore,
    config: AppConfigService,
    private readonly events: SecurityEvents,
  ) {
    this.threshold = config.app.lockout.threshold;
    this.lockoutMs = config.app.lockout.seconds * 1000;
  }

  /** Throws 429 while the subject is locked; otherwise counts one attempt. */
  async reserveAttempt(subject: LockoutSubject, origin: RequestOrigin | null): Promise<void> {
    const key = this.key(subject);
    const current = await this.store.get(key);
    if (current && current.value >= this.threshold) throw this.locked(subject, current.ttlMs, origin);
    const reserved = await this.store.increment(key, this.lockoutMs);
    if (reserved.value > this.threshold) {
      // Lost the race to concurrent attempts that filled the budget: this one
      // was never evaluated, so it must not count.
      await this.store.decrement(key);
      throw this.locked(subject, reserved.ttlMs, origin);
    }
    // Each counted failure restarts the lockout period: the lock lasts
    // LOCKOUT_SECONDS from the latest failure.
    await this.store.expire(key, this.lockoutMs);
  }

  /** The attempt succeeded at a step that is not the end of the login. */
  async refundAttempt(subject: LockoutSubject): Promise<void> {
    await this.store.decrement(this.key(subject));
  }

  /**
   * A full login (password and second factor) succeeded: it clears the
   * counter it was charged to, and only that one. A login from a known
   * device does not clear the untrusted counter an attacker may be filling.
   */
  async reset(subject: LockoutSubject): Promise<void> {
    await this.store.delete(this.key(subject));
  }

  /** The untrusted counter's failures and time left, or null when nothing is counted (the admin CLI's user:unlock). */
  async status(username: string): Promise<{ failures: number; locked: boolean; ttlMs: number } | null> {
    const current = await this.store.get(this.key({ username }));
    return current ? { failures: current.value, locked: current.value >= this.threshold, ttlMs: current.ttlMs } : null;
  }

  private key(subject: LockoutSubject): string {
    return subject.deviceId ? `lockout:device:${subject.deviceId}` : `lockout:${subject.username.toLowerCase()}`;
  }

  /** A refused attempt: the subject is locked (the submitted username, which may not exist). */
  private locked(subject: LockoutSubject, ttlMs: number, origin: RequestOrigin | null): TooManyRequestsException {
    this.events.record('auth.lockout', origin, {
      username: subject.username,
      deviceId: subject.deviceId ?? undefined,
      retryAfterSeconds: Math.ceil(ttlMs / 1000),
    });
    return new TooManyRequestsException(ttlMs / 1000);
  }
}
