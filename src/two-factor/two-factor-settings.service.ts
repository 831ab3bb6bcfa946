import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { SessionsService } from '../sessions/sessions.service';
import type { AuthenticatedUser } from '../tokens/token-types';
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
    private readonly sessions: SessionsService,
    private readonly events: SecurityEvents,
  ) {}

  async regenerateRecoveryCodes(
    principal: AuthenticatedUser,
    code: string,
    origin: RequestOrigin,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.user(principal);
    await this.lockout.reserveAttempt(user.username, origin);
    await this.checker.check(user, code, origin);
    await this.lockout.refundAttempt(user.username);
    // The old codes are replaced before the event is recorded, never after it.
    const recoveryCodes = await this.recoveryCodes.replace(user.id);
    this.events.record('auth.recovery_codes.regenerated', origin, { userId: user.id });
    return { recoveryCodes };
  }

  /** Removes the authenticator and every session: the next login enrolls again. */
  async reset(principal: AuthenticatedUser, password: string, code: string, origin: RequestOrigin): Promise<void> {
    const user = await this.user(principal);
    await this.lockout.reserveAttempt(user.username, origin);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      this.events.record('auth.2fa.reset_failed', origin, { userId: user.id, reason: 'wrong-password' });
      throw new UnauthorizedException('Invalid password or code');
    }
    await this.checker.check(user, code, origin);
    await this.lockout.refundAttempt(user.username);
    await this.users.removeTotp(user.id);
    await this.recoveryCodes.removeAll(user.id);
    await this.sessions.endAllForUser(user.id);
    this.events.record('auth.2fa.reset', origin, { userId: user.id });
  }

  private async user(principal: AuthenticatedUser): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}
