import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpService } from './totp.service';

export const INVALID_CODE = 'Invalid code';

/**
 * Checks a code against a user's enrolled authenticator, once: the code's
 * time step is recorded by an atomic conditional update, so a code (or an
 * older one) can never be accepted twice, even by two requests racing on
 * two instances.
 */
@Injectable()
export class TotpCheckerService {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly vault: TotpSecretVault,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * `credentialVersion` is the version the caller's proof so far was checked
   * against (the pre-auth token's, or the row just read): the step is
   * accepted only while it still holds, in the same statement.
   */
  async check(user: User, code: string, credentialVersion: number, origin: RequestOrigin): Promise<void> {
    if (!user.totpEnabled || !user.totpSecret) throw new UnauthorizedException(INVALID_CODE);
    const { secret, resealed } = this.vault.open(user.totpSecret, user.id);
    if (resealed) await this.users.resealTotpSecret(user.id, user.totpSecret, resealed);
    const result = await this.totp.verify(secret, code, user.totpLastStep);
    if (!result.valid || !(await this.users.acceptTotpStep(user.id, result.timeStep, credentialVersion))) {
      this.events.record(!result.valid && !result.replay ? 'auth.totp.failed' : 'auth.totp.replay', origin, {
        userId: user.id,
      });
      throw new UnauthorizedException(INVALID_CODE);
    }
  }
}
