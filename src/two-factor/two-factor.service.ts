import { ConflictException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { AccessTokenService, type IssuedAccessToken } from '../tokens/access-token.service';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import type { PreAuthenticatedUser } from '../tokens/token-types';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { TotpSecretBox } from './totp-secret-box';
import { TotpService } from './totp.service';

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

const INVALID_CODE = 'Invalid code';

@Injectable()
export class TwoFactorService {
  private readonly logger = new Logger('TwoFactor');

  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly box: TotpSecretBox,
    private readonly budget: PreAuthBudgetService,
    private readonly lockout: AccountLockoutService,
    private readonly accessTokens: AccessTokenService,
  ) {}

  /** Creates (or replaces) the pending secret; it becomes active only with a valid code. */
  async setup(principal: PreAuthenticatedUser): Promise<TotpSetup> {
    const user = await this.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const secret = this.totp.generateSecret();
    await this.users.setPendingTotpSecret(user.id, this.box.seal(secret, user.id));
    const otpauthUrl = this.totp.keyUri(user.username, secret);
    const qrCodeDataUrl = await toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUrl, qrCodeDataUrl };
  }

  async enable(principal: PreAuthenticatedUser, code: string): Promise<IssuedAccessToken> {
    const user = await this.user(principal);
    if (user.totpEnabled) throw new ConflictException('Two-factor authentication is already enabled');
    const sealed = user.totpPendingSecret;
    if (!sealed) throw new ConflictException('No pending authenticator: call /auth/2fa/setup first');
    const step = await this.checkCode(principal, user, this.box.open(sealed, user.id), code);
    // The confirming code's step is recorded too: it cannot be replayed at the next login.
    if (!(await this.users.enableTotp(user.id, sealed, step))) throw new UnauthorizedException(INVALID_CODE);
    this.logger.log(`two-factor enabled for user ${user.id}`);
    return this.completeLogin(user);
  }

  async verify(principal: PreAuthenticatedUser, code: string): Promise<IssuedAccessToken> {
    const user = await this.user(principal);
    if (!user.totpEnabled || !user.totpSecret) {
      throw new ConflictException('Two-factor authentication is not enabled: enroll with /auth/2fa/setup');
    }
    const step = await this.checkCode(principal, user, this.box.open(user.totpSecret, user.id), code);
    if (!(await this.users.acceptTotpStep(user.id, step))) {
      this.logger.warn(`TOTP replay refused for user ${user.id}`);
      throw new UnauthorizedException(INVALID_CODE);
    }
    return this.completeLogin(user);
  }

  /**
   * Charges the account lockout and the token's budget before looking at the
   * code, then spends the pre-auth token on success: a token is exchanged at
   * most once, and wrong codes run it (and the account) out.
   */
  private async checkCode(principal: PreAuthenticatedUser, user: User, secret: string, code: string): Promise<number> {
    await this.lockout.reserveAttempt(user.username);
    await this.budget.chargeCodeAttempt(principal.jti, principal.exp);
    const result = await this.totp.verify(secret, code, user.totpLastStep);
    if (!result.valid) {
      this.logger.warn(`${result.replay ? 'TOTP replay' : 'wrong TOTP code'} for user ${user.id}`);
      throw new UnauthorizedException(INVALID_CODE);
    }
    await this.budget.spend(principal.jti, principal.exp);
    return result.timeStep;
  }

  private async completeLogin(user: User): Promise<IssuedAccessToken> {
    await this.lockout.reset(user.username);
    return this.accessTokens.issue(user.id);
  }

  private async user(principal: PreAuthenticatedUser): Promise<User> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}
