import { Injectable, UnauthorizedException } from '@nestjs/common';
import { SecurityEvents } from '../audit/security-events.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { INVALID_CODE, type ProofContext, type SecondFactor, type VerifiedProof } from './second-factor';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpService } from './totp.service';

type TotpProof = { kind: 'totp'; code: string };

/**
 * An authenticator app. A code is accepted once: its time step is recorded
 * by an atomic conditional update, so a code (or an older one) can never be
 * accepted twice, even by two requests racing on two instances; the same
 * statement requires the credential version the caller checked against.
 */
@Injectable()
export class TotpFactor implements SecondFactor<TotpProof> {
  readonly kind = 'totp';

  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly vault: TotpSecretVault,
    private readonly events: SecurityEvents,
  ) {}

  async isEnrolled(user: User): Promise<boolean> {
    return user.totpEnabled && user.totpSecret !== null;
  }

  async verify(user: User, proof: TotpProof, context: ProofContext): Promise<VerifiedProof> {
    if (!user.totpSecret) throw new UnauthorizedException(INVALID_CODE);
    const { secret, resealed } = this.vault.open(user.totpSecret, user.id);
    if (resealed) await this.users.resealTotpSecret(user.id, user.totpSecret, resealed);
    const result = await this.totp.verify(secret, proof.code, user.totpLastStep);
    if (!result.valid || !(await this.users.acceptTotpStep(user.id, result.timeStep, context.credentialVersion))) {
      this.events.record(!result.valid && !result.replay ? 'auth.totp.failed' : 'auth.totp.replay', context.origin, {
        userId: user.id,
      });
      throw new UnauthorizedException(INVALID_CODE);
    }
    return { kind: this.kind };
  }

  async remove(userId: string): Promise<void> {
    await this.users.removeTotp(userId);
  }
}
