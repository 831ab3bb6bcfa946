import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents, type SecurityEventName } from '../audit/security-events.service';
import { InsufficientUserAuthenticationException } from '../common/insufficient-user-authentication.exception';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { PasswordHasher } from '../users/password-hasher';
import type { User } from '../users/user.entity';
import type { FactorProof, ProofContext, VerifiedProof } from './second-factor';
import { SecondFactors } from './second-factors.service';

export const INVALID_PASSWORD_OR_CODE = 'Invalid password or code';

/** How recent a login or step-up must be to stand in for a factor proof, in seconds. */
export const FRESH_LOGIN_MAX_AGE_SECONDS = 300;

/** The other 401 of a route that takes a code or a fresh token, for its OpenAPI description. */
export const STALE_WITHOUT_CODE_401 =
  'No code and a token older than 5 minutes: WWW-Authenticate carries the RFC 9470 challenge ' +
  `(Bearer error="insufficient_user_authentication", …, max_age=${FRESH_LOGIN_MAX_AGE_SECONDS}); ` +
  'send a code, or step up (POST /auth/step-up) and retry';

export interface StepUpProof {
  /**
   * Asked for by the changes that must not rest on the second factor alone
   * (password change, 2FA reset), with the event recorded when it is wrong
   * (a factor records its own failures).
   */
  password?: { value: string; failureEvent: SecurityEventName };
  /**
   * A proof of one of the user's factors. Without one, the access token
   * stands in when it is fresh: `authTime`, its auth_time (a login or a
   * step-up), within the last 5 minutes.
   */
  proof?: FactorProof;
  authTime?: number;
  /** For a passkey proof: whom its challenge was issued to, and for what (ProofContext). */
  challenge?: Required<Pick<ProofContext, 'challengeBinding' | 'challengePurpose'>>;
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
  async verify(user: User, request: StepUpProof, origin: RequestOrigin): Promise<VerifiedProof | null> {
    if (!request.proof) this.freshLoginStandsIn(request.authTime);
    const subject = { username: user.username };
    await this.lockout.reserveAttempt(subject, origin);
    const { password } = request;
    if (password && !(await this.hasher.verify(user.passwordHash, password.value))) {
      this.events.record(password.failureEvent, origin, { userId: user.id, reason: 'wrong-password' });
      throw new UnauthorizedException(INVALID_PASSWORD_OR_CODE);
    }
    const verified = request.proof
      ? await this.factors.verify(user, request.proof, {
          credentialVersion: user.credentialVersion,
          origin,
          ...request.challenge,
        })
      : null;
    await this.lockout.refundAttempt(subject);
    return verified;
  }

  /**
   * Every user may send a current code, as before, or instead come with a
   * token whose session proved a factor in the last 5 minutes (a login, or
   * POST /auth/step-up with a code, a recovery code or a passkey). An older
   * token without a code gets the RFC 9470 challenge rather than a 400 about
   * the missing field: it tells the client exactly what to do (step up, or
   * send a code) and is the same answer a @RequireAuth route gives.
   */
  private freshLoginStandsIn(authTime: number | undefined): void {
    if (authTime === undefined || Date.now() / 1000 - authTime > FRESH_LOGIN_MAX_AGE_SECONDS) {
      throw InsufficientUserAuthenticationException.tooOld(FRESH_LOGIN_MAX_AGE_SECONDS);
    }
  }
}
