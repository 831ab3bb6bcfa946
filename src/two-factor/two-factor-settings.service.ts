import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { CredentialRevocationService } from '../sessions/credential-revocation.service';
import { PasswordHasher } from '../users/password-hasher';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpCheckerService } from './totp-checker.service';

/**
 * Changes to the second factor of a logged-in user. An access token alone
 * is not enough: each change asks for a current code (and the reset for the
 * password too), so a stolen access token cannot take over the factor.
 */
@Injectable()
export class TwoFactorSettingsService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly checker: TotpCheckerService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly lockout: AccountLockoutService,
    private readonly credentials: CredentialRevocationService,
    private readonly tickets: EnrollmentTicketsService,
    private readonly events: SecurityEvents,
  ) {}

  async regenerateRecoveryCodes(
    principal: AuthenticatedUser,
    code: string,
    origin: RequestOrigin,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.user(principal);
    await this.lockout.reserveAttempt({ username: user.username }, origin);
    await this.checker.check(user, code, user.credentialVersion, origin);
    await this.lockout.refundAttempt({ username: user.username });
    // The old codes are replaced before the event is recorded, never after it.
    const recoveryCodes = await this.recoveryCodes.replace(user.id);
    this.events.record('auth.recovery_codes.regenerated', origin, { userId: user.id });
    return { recoveryCodes };
  }

  /**
   * Removes the authenticator, every session and device token: the next
   * login enrolls again, with the enrollment ticket returned here (the
   * caller just proved password and code), so a phished password alone
   * cannot enroll in their place.
   */
  async reset(
    principal: AuthenticatedUser,
    password: string,
    code: string,
    origin: RequestOrigin,
  ): Promise<{ enrollmentTicket: string }> {
    const user = await this.user(principal);
    await this.lockout.reserveAttempt({ username: user.username }, origin);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      this.events.record('auth.2fa.reset_failed', origin, { userId: user.id, reason: 'wrong-password' });
      throw new UnauthorizedException('Invalid password or code');
    }
    await this.checker.check(user, code, user.credentialVersion, origin);
    await this.lockout.refundAttempt({ username: user.username });
    await this.users.removeTotp(user.id);
    await this.recoveryCodes.removeAll(user.id);
    await this.credentials.revokeAll(user.id);
    const enrollmentTicket = await this.tickets.issue(user.id);
    this.events.record('auth.2fa.reset', origin, { userId: user.id });
    this.events.record('auth.enrollment_ticket.issued', origin, { userId: user.id });
    return { enrollmentTicket };
  }

  private async user(principal: AuthenticatedUser): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}
