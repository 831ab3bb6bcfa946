import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { PreAuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { AccountLockoutService, type LockoutSubject } from '../rate-limit/account-lockout.service';
import { SessionTokensService, type SessionTokens } from '../sessions/session-tokens.service';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import { STALE_PRE_AUTH } from '../tokens/token-types';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

export const TICKET_REQUIRED = 'An enrollment ticket is required';

/** What every completed login hands the client: the session's tokens and the device token for the next login. */
export type FullLogin = SessionTokens & { deviceToken: string };

/**
 * How the login was completed, for the event and the session's amr
 * (RFC 8176): a code or recovery code is "otp"; a passkey after the
 * password "hwk"; a passkey with user verification on its own "hwk" and
 * "mfa" (NIST SP 800-63B: a multi-factor cryptographic authenticator).
 */
export type LoginMethod = 'totp' | 'recovery-code' | 'enrollment' | 'webauthn' | 'webauthn-enrollment' | 'passwordless';

const AMR: Record<LoginMethod, string[]> = {
  totp: ['pwd', 'otp'],
  'recovery-code': ['pwd', 'otp'],
  enrollment: ['pwd', 'otp'],
  webauthn: ['pwd', 'hwk'],
  'webauthn-enrollment': ['pwd', 'hwk'],
  passwordless: ['hwk', 'mfa'],
};

/** Who is logging in and against what: a pre-auth token's claims, or (passwordless) the user row just read. */
export type LoginAttempt = Pick<PreAuthenticatedUser, 'credentialVersion' | 'deviceId'>;

/**
 * The steps every second-step route shares, whatever the factor (TOTP,
 * recovery code, passkey): charging an attempt, checking an enrollment
 * ticket, and completing the login.
 */
@Injectable()
export class LoginSteps {
  constructor(
    private readonly users: UsersService,
    private readonly tickets: EnrollmentTicketsService,
    private readonly devices: DeviceTokensService,
    private readonly budget: PreAuthBudgetService,
    private readonly lockout: AccountLockoutService,
    private readonly sessionTokens: SessionTokensService,
    private readonly events: SecurityEvents,
  ) {}

  /** The user behind a pre-auth token, unless a credential change since the password step made the token stale. */
  async user(principal: PreAuthenticatedUser): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    if (user.credentialVersion !== principal.credentialVersion) throw new UnauthorizedException(STALE_PRE_AUTH);
    return user;
  }

  /**
   * Counts against the lockout and the pre-auth token's budget before the
   * proof is looked at: wrong codes, recovery codes, passkey assertions and
   * tickets run both out.
   */
  async chargeAttempt(principal: PreAuthenticatedUser, user: User, origin: RequestOrigin): Promise<void> {
    await this.lockout.reserveAttempt(this.subject(principal, user), origin);
    await this.budget.chargeCodeAttempt(principal.jti, principal.exp);
  }

  /**
   * A missing ticket is refused without counting (a client that forgot it
   * guessed nothing); a wrong one counts toward the lockout and the pre-auth
   * token's budget like a wrong code, so a pre-auth token buys a handful of
   * guesses at most. A right one gives its attempt back. Missing and wrong
   * get the same answer.
   */
  async checkTicket(
    principal: PreAuthenticatedUser,
    user: User,
    ticket: string | undefined,
    origin: RequestOrigin,
  ): Promise<string> {
    if (ticket === undefined || ticket === '') throw new ForbiddenException(TICKET_REQUIRED);
    await this.chargeAttempt(principal, user, origin);
    const ticketId = await this.tickets.match(user.id, ticket);
    if (!ticketId) {
      this.events.record('auth.enrollment_ticket.refused', origin, { userId: user.id });
      throw new ForbiddenException(TICKET_REQUIRED);
    }
    await this.lockout.refundAttempt(this.subject(principal, user));
    await this.budget.refundCodeAttempt(principal.jti);
    return ticketId;
  }

  /**
   * Both factors are proven. The device token is written before the session
   * and both before the credential version is read again (in
   * SessionTokensService.start): a reset racing this login either sees them
   * in its sweep or is seen here, so neither survives it.
   */
  async complete(user: User, attempt: LoginAttempt, method: LoginMethod, origin: RequestOrigin): Promise<FullLogin> {
    const userAgent = origin.userAgent ?? null;
    const device = await this.devices.issue(user.id, attempt.deviceId, userAgent);
    const tokens = await this.sessionTokens.start(user.id, attempt.credentialVersion, AMR[method], {
      clientAddress: origin.clientAddress,
      userAgent,
      deviceId: device.id,
    });
    if (!tokens) {
      await this.devices.revoke(device.id);
      throw new UnauthorizedException(STALE_PRE_AUTH);
    }
    await this.lockout.reset(this.subject(attempt, user));
    this.events.record('auth.login.succeeded', origin, {
      userId: user.id,
      method,
      deviceId: device.id,
      newDevice: device.id !== attempt.deviceId,
    });
    return { ...tokens, deviceToken: device.token };
  }

  subject(attempt: Pick<LoginAttempt, 'deviceId'>, user: User): LockoutSubject {
    return { username: user.username, deviceId: attempt.deviceId };
  }
}
