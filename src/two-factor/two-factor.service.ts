import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { toDataURL } from 'qrcode';
import { DataSource } from 'typeorm';
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
import type { SetupTwoFactorDto } from './dto/setup-two-factor.dto';
import type { VerifyDto } from './dto/verify.dto';
import { RecoveryCodesService } from './recovery-codes.service';
import { INVALID_CODE, TotpCheckerService } from './totp-checker.service';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpService } from './totp.service';

export const TICKET_REQUIRED = 'An enrollment ticket is required';

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

/** What every completed login hands the client: the session's tokens and the device token for the next login. */
export type FullLogin = SessionTokens & { deviceToken: string };

/** Thrown inside the enrollment transaction to roll it back. */
class EnrollmentRefused extends Error {}

/** The second step of login: the pre-auth routes. */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly vault: TotpSecretVault,
    private readonly checker: TotpCheckerService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly tickets: EnrollmentTicketsService,
    private readonly devices: DeviceTokensService,
    private readonly budget: PreAuthBudgetService,
    private readonly lockout: AccountLockoutService,
    private readonly sessionTokens: SessionTokensService,
    private readonly events: SecurityEvents,
    @InjectDataSource() private readonly dataSource: DataSource,
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
    const secret = this.totp.generateSecret();
    await this.users.setPendingTotpSecret(user.id, this.vault.seal(secret, user.id), ticketId);
    const otpauthUrl = this.totp.keyUri(user.username, secret);
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
    const opened = this.vault.open(sealed, user.id);
    // No last step: a stored one belongs to the authenticator a 2FA reset
    // removed. The new secret's codes were never used, and holding them to
    // the old step would refuse a correct code for up to a minute after a reset.
    const result = await this.totp.verify(opened.secret, code, null);
    if (!result.valid) {
      this.events.record('auth.totp.failed', origin, { userId: user.id, reason: 'enrollment' });
      throw new UnauthorizedException(INVALID_CODE);
    }
    await this.budget.spend(principal.jti, principal.exp);
    await this.enroll(user, sealed, result.timeStep, principal.credentialVersion);
    // Set up before an APP_SECRET rotation: re-sealed now, as a TOTP login
    // would, or it would stop opening once APP_SECRET_PREVIOUS is removed.
    if (opened.resealed) await this.users.resealTotpSecret(user.id, sealed, opened.resealed);
    const recoveryCodes = await this.recoveryCodes.replace(user.id);
    this.events.record('auth.2fa.enrolled', origin, { userId: user.id });
    return { ...(await this.completeLogin(user, principal, 'enrollment', origin)), recoveryCodes };
  }

  async verify(
    principal: PreAuthenticatedUser,
    dto: VerifyDto,
    origin: RequestOrigin,
  ): Promise<FullLogin & { recoveryCodesRemaining?: number }> {
    if (dto.code !== undefined && dto.recoveryCode !== undefined) {
      throw new BadRequestException('Send either code or recoveryCode, not both');
    }
    const user = await this.user(principal);
    if (!user.totpEnabled) {
      throw new ConflictException('Two-factor authentication is not enabled: enroll with /auth/2fa/setup');
    }
    await this.chargeAttempt(principal, user, origin);
    if (dto.recoveryCode !== undefined) {
      const remaining = await this.recoveryCodes.consume(user.id, dto.recoveryCode);
      if (remaining === null) {
        this.events.record('auth.recovery_code.failed', origin, { userId: user.id });
        throw new UnauthorizedException(INVALID_CODE);
      }
      await this.budget.spend(principal.jti, principal.exp);
      this.events.record('auth.recovery_code.used', origin, { userId: user.id, remaining });
      return {
        ...(await this.completeLogin(user, principal, 'recovery-code', origin)),
        recoveryCodesRemaining: remaining,
      };
    }
    await this.checker.check(user, dto.code as string, principal.credentialVersion, origin);
    await this.budget.spend(principal.jti, principal.exp);
    return this.completeLogin(user, principal, 'totp', origin);
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
   * Spends the ticket the pending secret was set up with and enrolls the
   * secret in one transaction: if the ticket was voided since the setup (a
   * newer ticket, a reset), nothing is enrolled; if the credentials changed
   * since the password step, nothing is enrolled and the ticket survives.
   */
  private async enroll(user: User, sealed: string, step: number, credentialVersion: number): Promise<void> {
    let refusal: 'ticket' | 'stale' | undefined;
    try {
      await this.dataSource.transaction(async (manager) => {
        if (this.tickets.required) {
          if (!(await this.tickets.spend(manager, user.totpPendingTicketId as string, user.id))) {
            refusal = 'ticket';
            throw new EnrollmentRefused();
          }
        } else {
          await this.tickets.voidAll(manager, user.id);
        }
        if (!(await this.users.enableTotp(user.id, sealed, step, credentialVersion, manager))) {
          refusal = 'stale';
          throw new EnrollmentRefused();
        }
      });
    } catch (error) {
      if (!(error instanceof EnrollmentRefused)) throw error;
    }
    if (refusal === 'ticket') throw new ForbiddenException(TICKET_REQUIRED);
    if (refusal === 'stale') throw new UnauthorizedException(INVALID_CODE);
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
