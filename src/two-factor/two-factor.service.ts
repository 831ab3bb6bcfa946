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
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { INVALID_CODE, type FactorProof } from '../factors/second-factor';
import { SecondFactors } from '../factors/second-factors.service';
import { TotpEnrollment } from '../factors/totp-enrollment.service';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import type { SetupTwoFactorDto } from './dto/setup-two-factor.dto';
import type { VerifyDto } from './dto/verify.dto';
import { LoginSteps, TICKET_REQUIRED, type FullLogin } from './login-steps.service';

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

/** The second step of login: the pre-auth routes. */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly steps: LoginSteps,
    private readonly factors: SecondFactors,
    private readonly enrollment: TotpEnrollment,
    private readonly tickets: EnrollmentTicketsService,
    private readonly budget: PreAuthBudgetService,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * Creates (or replaces) the pending secret; it becomes active only with a
   * valid code. With tickets required (the default), the password alone is
   * not enough: a phished password must not let its holder enroll their own
   * authenticator, least of all right after a helpdesk reset.
   */
  async setup(principal: PreAuthenticatedUser, dto: SetupTwoFactorDto, origin: RequestOrigin): Promise<TotpSetup> {
    const user = await this.steps.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const ticketId = this.tickets.required
      ? await this.steps.checkTicket(principal, user, dto.enrollmentTicket, origin)
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
    const user = await this.steps.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const sealed = user.totpPendingSecret;
    if (!sealed) throw new ConflictException('No pending authenticator: call /auth/2fa/setup first');
    // A pending secret set up while tickets were off does not enroll once they are on.
    if (this.tickets.required && !user.totpPendingTicketId) throw new ForbiddenException(TICKET_REQUIRED);
    await this.steps.chargeAttempt(principal, user, origin);
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
      ...(await this.steps.complete(user, principal, 'enrollment', origin)),
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
    const user = await this.steps.user(principal);
    if (!(await this.factors.hasAny(user))) {
      throw new ConflictException('Two-factor authentication is not enabled: enroll with /auth/2fa/setup');
    }
    await this.steps.chargeAttempt(principal, user, origin);
    const proof: FactorProof =
      dto.recoveryCode !== undefined
        ? { kind: 'recovery-code', recoveryCode: dto.recoveryCode }
        : { kind: 'totp', code: dto.code as string };
    const verified = await this.factors.verify(user, proof, { credentialVersion: principal.credentialVersion, origin });
    await this.budget.spend(principal.jti, principal.exp);
    const login = await this.steps.complete(user, principal, verified.kind, origin);
    return verified.recoveryCodesRemaining === undefined
      ? login
      : { ...login, recoveryCodesRemaining: verified.recoveryCodesRemaining };
  }
}
