import { Injectable, UnauthorizedException } from '@nestjs/common';
import { SecurityEvents } from '../audit/security-events.service';
import type { User } from '../users/user.entity';
import { RecoveryCodesService } from './recovery-codes.service';
import { INVALID_CODE, type ProofContext, type SecondFactor, type VerifiedProof } from './second-factor';

type RecoveryCodeProof = { kind: 'recovery-code'; recoveryCode: string };

/**
 * One-time recovery codes: the fallback when the authenticator is lost.
 * They exist only beside an enrolled factor (issued at its enrollment); a
 * 2FA reset deletes them, so a code consumed after a reset finds no row.
 */
@Injectable()
export class RecoveryCodeFactor implements SecondFactor<RecoveryCodeProof> {
  readonly kind = 'recovery-code';

  constructor(
    private readonly codes: RecoveryCodesService,
    private readonly events: SecurityEvents,
  ) {}

  /** Unused codes exist: they are issued at a factor's first enrollment and deleted with the last factor. */
  async isEnrolled(user: User): Promise<boolean> {
    return this.codes.hasUnused(user.id);
  }

  async verify(user: User, proof: RecoveryCodeProof, context: ProofContext): Promise<VerifiedProof> {
    const remaining = await this.codes.consume(user.id, proof.recoveryCode);
    if (remaining === null) {
      this.events.record('auth.recovery_code.failed', context.origin, { userId: user.id });
      throw new UnauthorizedException(INVALID_CODE);
    }
    this.events.record('auth.recovery_code.used', context.origin, { userId: user.id, remaining });
    return { kind: this.kind, recoveryCodesRemaining: remaining };
  }

  async remove(userId: string): Promise<void> {
    await this.codes.removeAll(userId);
  }
}
