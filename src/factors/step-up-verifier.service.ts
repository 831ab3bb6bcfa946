import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents, type SecurityEventName } from '../audit/security-events.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { PasswordHasher } from '../users/password-hasher';
import type { User } from '../users/user.entity';
import type { FactorProof } from './second-factor';
import { SecondFactors } from './second-factors.service';

export const INVALID_PASSWORD_OR_CODE = 'Invalid password or code';

export interface StepUpProof {
  /**
   * Asked for by the changes that must not rest on the second factor alone
   * (password change, 2FA reset), with the event recorded when it is wrong
   * (a factor records its own failures).
   */
  password?: { value: string; failureEvent: SecurityEventName };
  proof: FactorProof;
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
    const subject = { username: user.username };
    await this.lockout.reserveAttempt(subject, origin);
    const { password } = request;
    if (password && !(await this.hasher.verify(user.passwordHash, password.value))) {
      this.events.record(password.failureEvent, origin, { userId: user.id, reason: 'wrong-password' });
      throw new UnauthorizedException(INVALID_PASSWORD_OR_CODE);
    }
    await this.factors.verify(user, request.proof, { credentialVersion: user.credentialVersion, origin });
    await this.lockout.refundAttempt(subject);
  }
}
