import { BadRequestException, ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { SessionTokensService, type SessionTokens } from '../sessions/session-tokens.service';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import type { PreAuthenticatedUser } from '../tokens/token-types';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { VerifyDto } from './dto/verify.dto';
import { RecoveryCodesService } from './recovery-codes.service';
import { INVALID_CODE, TotpCheckerService } from './totp-checker.service';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpService } from './totp.service';

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

/** The second step of login: the pre-auth routes. */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly vault: TotpSecretVault,
    private readonly checker: TotpCheckerService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly budget: PreAuthBudgetService,
    private readonly lockout: AccountLockoutService,
    private readonly sessionTokens: SessionTokensService,
    private readonly events: SecurityEvents,
  ) {}

  /** Creates (or replaces) the pending secret; it becomes active only with a valid code. */
  async setup(principal: PreAuthenticatedUser): Promise<TotpSetup> {
    const user = await this.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const secret = this.totp.generateSecret();
    await this.users.setPendingTotpSecret(user.id, this.vault.seal(secret, user.id));
    const otpauthUrl = this.totp.keyUri(user.username, secret);
    const qrCodeDataUrl = await toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUrl, qrCodeDataUrl };
  }

  async enable(
    principal: PreAuthenticatedUser,
    code: string,
    origin: RequestOrigin,
  ): Promise<SessionTokens & { recoveryCodes: string[] }> {
    const user = await this.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const sealed = user.totpPendingSecret;
    if (!sealed) throw new ConflictException('No pending authenticator: call /auth/2fa/setup first');
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
    // The confirming code's step is recorded too: it cannot be replayed at the next login.
    if (!(await this.users.enableTotp(user.id, sealed, result.timeStep))) throw new UnauthorizedException(INVALID_CODE);
    // Set up before an APP_SECRET rotation: re-sealed now, as a TOTP login
    // would, or it would stop opening once APP_SECRET_PREVIOUS is removed.
    if (opened.resealed) await this.users.resealTotpSecret(user.id, sealed, opened.resealed);
    const recoveryCodes = await this.recoveryCodes.replace(user.id);
    this.events.record('auth.2fa.enrolled', origin, { userId: user.id });
    return { ...(await this.completeLogin(user, 'enrollment', origin)), recoveryCodes };
  }

  async verify(
    principal: PreAuthenticatedUser,
    dto: VerifyDto,
    origin: RequestOrigin,
  ): Promise<SessionTokens & { recoveryCodesRemaining?: number }> {
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
      return { ...(await this.completeLogin(user, 'recovery-code', origin)), recoveryCodesRemaining: remaining };
    }
    await this.checker.check(user, dto.code as string, origin);
    await this.budget.spend(principal.jti, principal.exp);
    return this.completeLogin(user, 'totp', origin);
  }

  /**
   * Counts against the account lockout and the pre-auth token's budget before
   * the code is looked at: wrong codes, TOTP or recovery, run both out.
   */
  private async chargeAttempt(principal: PreAuthenticatedUser, user: User, origin: RequestOrigin): Promise<void> {
    await this.lockout.reserveAttempt(user.username, origin);
    await this.budget.chargeCodeAttempt(principal.jti, principal.exp);
  }

  private async completeLogin(
    user: User,
    method: 'totp' | 'recovery-code' | 'enrollment',
    origin: RequestOrigin,
  ): Promise<SessionTokens> {
    await this.lockout.reset(user.username);
    const tokens = await this.sessionTokens.start(user.id);
    this.events.record('auth.login.succeeded', origin, { userId: user.id, method });
    return tokens;
  }

  private async user(principal: PreAuthenticatedUser): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}
