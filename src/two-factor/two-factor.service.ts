import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { toDataURL } from 'qrcode';
import type { PreAuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { INVALID_CODE, type FactorProof } from '../factors/second-factor';
import { SecondFactors } from '../factors/second-factors.service';
import { TotpEnrollment } from '../factors/totp-enrollment.service';
import { AccountLockoutService, type LockoutSubject } from '../rate-limit/account-lockout.service';
import { SessionTokensService, type SessionTokens } from '../sessions/session-tokens.service';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import { STALE_PRE_AUTH } from '../tokens/token-types';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { SetupTwoFactorDto } from './dto/setup-two-factor.dto';
import type { VerifyDto } from './dto/verify.dto';

export const TICKET_REQUIRED = 'An enrollment ticket is required';

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

/** What every completed login hands the client: the session's tokens and the device token for the next login. */
export type FullLogin = SessionTokens & { deviceToken: string };

/** The second step of login: the pre-auth routes. */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly users: UsersService,
    private readonly factors: SecondFactors,
    private readonly enrollment: TotpEnrollment,
    private readonly tickets: EnrollmentTicketsService,
    private readonly devices: DeviceTokensService,
    private readonly budget: PreAuthBudgetService,
    private readonly lockout: AccountLockoutService,
    private readonly sessionTokens: SessionTokensService,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * Creates (or replaces) the pending secret; it becomes active only with a
   * valid code. With tickets required (the default), the password alone is
   * not enough: a phished password must not let its holder enroll their own
   * authenticator, least of all right after a helpdesk reset.
   */
  async setup(principal: PreAuthenticatedUser, dto: SetupTwoFactorDto, origin: RequestOrigin): Promise<TotpSetup> {
    const user = await this.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const ticketId = this.tickets.required
      ? await this.checkTicket(principal, user, dto.enrollmentTicket, origin)
      : null;
    const { secret, otpauthUrl } = await this.enrollment.begin(user, ticketId);
    const qrCodeDataUrl = await toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUrl, qrCodeDataUrl };
  }

  async enable(
    principal: PreAuthenticatedUser,
    code: string,
    origin: RequestOrigin,
  ): Promise<FullLogin & { recoveryCodes: string[] }> {
    const user = await this.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const sealed = user.totpPendingSecret;
    if (!sealed) throw new ConflictException('No pending authenticator: call /auth/2fa/setup first');
    // A pending secret set up while tickets were off does not enroll once they are on.
    if (this.tickets.required && !user.totpPendingTicketId) throw new ForbiddenException(TICKET_REQUIRED);
    await this.chargeAttempt(principal, user, origin);
    const checked = await this.enrollment.check(user.id, sealed, code);
    if (!checked) {
      this.events.record('auth.totp.failed', origin, { userId: user.id, reason: 'enrollment' });
      throw new UnauthorizedException(INVALID_CODE);
    }
    await this.budget.spend(principal.jti, principal.exp);
    const ticket = this.tickets.required ? { spend: user.totpPendingTicketId as string } : ('void' as const);
    const outcome = await this.enrollment.confirm(user.id, sealed, checked, principal.credentialVersion, ticket);
    if (!outcome.enrolled) {
      if (outcome.reason === 'ticket-voided') throw new ForbiddenException(TICKET_REQUIRED);
      throw new UnauthorizedException(INVALID_CODE);
    }
    this.events.record('auth.2fa.enrolled', origin, { userId: user.id });
    return {
      ...(await this.completeLogin(user, principal, 'enrollment', origin)),
      recoveryCodes: outcome.recoveryCodes,
    };
  }

  /** "Which factors does this user have, and does this proof satisfy one of them", asked of the factor core. */
  async verify(
    principal: PreAuthenticatedUser,
    dto: VerifyDto,
    origin: RequestOrigin,
  ): Promise<FullLogin & { recoveryCodesRemaining?: number }> {
    if (dto.code !== undefined && dto.recoveryCode !== undefined) {
      throw new BadRequestException('Send either code or recoveryCode, not both');
    }
    const user = await this.user(principal);
    if (!this.factors.hasAny(user)) {
      throw new ConflictException('Two-factor authentication is not enabled: enroll with /auth/2fa/setup');
    }
    await this.chargeAttempt(principal, user, origin);
    const proof: FactorProof =
      dto.recoveryCode !== undefined
        ? { kind: 'recovery-code', recoveryCode: dto.recoveryCode }
        : { kind: 'totp', code: dto.code as string };
    const verified = await this.factors.verify(user, proof, { credentialVersion: principal.credentialVersion, origin });
    await this.budget.spend(principal.jti, principal.exp);
    const login = await this.completeLogin(user, principal, verified.kind, origin);
    return verified.recoveryCodesRemaining === undefined
      ? login
      : { ...login, recoveryCodesRemaining: verified.recoveryCodesRemaining };
  }

  /**
   * A missing ticket is refused without counting (a client that forgot it
   * guessed nothing); a wrong one counts toward the lockout and the pre-auth
   * token's budget like a wrong code, so a pre-auth token buys a handful of
   * guesses at most. A right one gives its attempt back. Missing and wrong
   * get the same answer.
   */
  private async checkTicket(
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
   * Counts against the lockout and the pre-auth token's budget before the
   * proof is looked at: wrong codes, recovery codes and tickets run both out.
   */
  private async chargeAttempt(principal: PreAuthenticatedUser, user: User, origin: RequestOrigin): Promise<void> {
    await this.lockout.reserveAttempt(this.subject(principal, user), origin);
    await this.budget.chargeCodeAttempt(principal.jti, principal.exp);
  }

  /**
   * Both factors are proven. The device token is written before the session
   * and both before the credential version is read again (in
   * SessionTokensService.start): a reset racing this login either sees them
   * in its sweep or is seen here, so neither survives it.
   */
  private async completeLogin(
    user: User,
    principal: PreAuthenticatedUser,
    method: 'totp' | 'recovery-code' | 'enrollment',
    origin: RequestOrigin,
  ): Promise<FullLogin> {
    const device = await this.devices.issue(user.id, principal.deviceId);
    const tokens = await this.sessionTokens.start(user.id, principal.credentialVersion);
    if (!tokens) {
      await this.devices.revoke(device.id);
      throw new UnauthorizedException(STALE_PRE_AUTH);
    }
    await this.lockout.reset(this.subject(principal, user));
    this.events.record('auth.login.succeeded', origin, {
      userId: user.id,
      method,
      deviceId: device.id,
      newDevice: device.id !== principal.deviceId,
    });
    return { ...tokens, deviceToken: device.token };
  }

  private subject(principal: PreAuthenticatedUser, user: User): LockoutSubject {
    return { username: user.username, deviceId: principal.deviceId };
  }

  /** The user behind a pre-auth token, unless a credential change since the password step made the token stale. */
  private async user(principal: PreAuthenticatedUser): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    if (user.credentialVersion !== principal.credentialVersion) throw new UnauthorizedException(STALE_PRE_AUTH);
    return user;
  }
}
