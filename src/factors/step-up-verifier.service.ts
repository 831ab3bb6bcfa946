import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents, type SecurityEventName } from '../audit/security-events.service';
import { InsufficientUserAuthenticationException } from '../common/insufficient-user-authentication.exception';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { PasswordHasher } from '../users/password-hasher';
import type { User } from '../users/user.entity';
import type { FactorProof } from './second-factor';
import { SecondFactors } from './second-factors.service';

export const INVALID_PASSWORD_OR_CODE = 'Invalid password or code';

/** How recent a login must be to stand in for a factor proof, in seconds. */
export const FRESH_LOGIN_MAX_AGE_SECONDS = 300;

export interface StepUpProof {
  /**
   * Asked for by the changes that must not rest on the second factor alone
   * (password change, 2FA reset), with the event recorded when it is wrong
   * (a factor records its own failures).
   */
  password?: { value: string; failureEvent: SecurityEventName };
  /**
   * A proof of one of the user's factors. Without one, a passkey-only user
   * (who has no code to type) is let through when their login is fresh:
   * `authTime`, the access token's auth_time, within the last 5 minutes.
   */
  proof?: FactorProof;
  authTime?: number;
}

/**
 * Fresh proof from a logged-in user before a sensitive change: an access
 * token alone (stolen, or on an unattended screen) changes nothing.
 */
@Injectable()
export class StepUpVerifier {
  constructor(
    private readonly lockout: AccountLockoutService,
    private readonly hasher: PasswordHasher,
    private readonly factors: SecondFactors,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * The order is the point: the lockout attempt is reserved before anything
   * is checked (so concurrent guesses cannot slip in under the threshold),
   * the password before the factor (a wrong password spends no TOTP step),
   * and the attempt is given back only when both held.
   */
  async verify(user: User, request: StepUpProof, origin: RequestOrigin): Promise<void> {
    if (!request.proof) this.freshLoginStandsIn(user, request.authTime);
    const subject = { username: user.username };
    await this.lockout.reserveAttempt(subject, origin);
    const { password } = request;
    if (password && !(await this.hasher.verify(user.passwordHash, password.value))) {
      this.events.record(password.failureEvent, origin, { userId: user.id, reason: 'wrong-password' });
      throw new UnauthorizedException(INVALID_PASSWORD_OR_CODE);
    }
    if (request.proof) {
      await this.factors.verify(user, request.proof, { credentialVersion: user.credentialVersion, origin });
    }
    await this.lockout.refundAttempt(subject);
  }

  /**
   * A user with an authenticator app types a code, as before. A passkey
   * cannot be typed into a JSON body; until a passkey step-up exists, the
   * passkey login itself, if recent, is the proof. An older one gets the
   * RFC 9470 challenge, which tells the client to have the user log in again.
   */
  private freshLoginStandsIn(user: User, authTime: number | undefined): void {
    if (user.totpEnabled) throw new BadRequestException('code must be exactly 6 digits');
    if (authTime === undefined || Date.now() / 1000 - authTime > FRESH_LOGIN_MAX_AGE_SECONDS) {
      throw new InsufficientUserAuthenticationException(FRESH_LOGIN_MAX_AGE_SECONDS);
    }
  }
}
