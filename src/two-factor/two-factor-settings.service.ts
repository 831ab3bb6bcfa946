import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { RecoveryCodesService } from '../factors/recovery-codes.service';
import type { FactorProof } from '../factors/second-factor';
import { SecondFactorReset } from '../factors/second-factor-reset.service';
import { StepUpVerifier } from '../factors/step-up-verifier.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

/**
 * Changes to the second factor of a logged-in user. An access token alone
 * is not enough: each change asks for a current code, or a token whose
 * session proved a factor in the last 5 minutes (a login or a step-up), and
 * the reset for the password too, so a stolen access token cannot take over
 * the factor.
 */
@Injectable()
export class TwoFactorSettingsService {
  constructor(
    private readonly users: UsersService,
    private readonly stepUp: StepUpVerifier,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly reset2fa: SecondFactorReset,
    private readonly events: SecurityEvents,
  ) {}

  async regenerateRecoveryCodes(
    principal: AuthenticatedUser,
    code: string | undefined,
    origin: RequestOrigin,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.user(principal);
    await this.stepUp.verify(user, { proof: totpProof(code), authTime: principal.authTime }, origin);
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
    code: string | undefined,
    origin: RequestOrigin,
  ): Promise<{ enrollmentTicket: string }> {
    const user = await this.user(principal);
    await this.stepUp.verify(
      user,
      {
        password: { value: password, failureEvent: 'auth.2fa.reset_failed' },
        proof: totpProof(code),
        authTime: principal.authTime,
      },
      origin,
    );
    const enrollmentTicket = await this.reset2fa.resetAll(user.id);
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

function totpProof(code: string | undefined): FactorProof | undefined {
  return code === undefined ? undefined : { kind: 'totp', code };
}
