import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { User } from '../users/user.entity';
import { RecoveryCodeFactor } from './recovery-code.factor';
import {
  INVALID_CODE,
  type FactorKind,
  type FactorProof,
  type ProofContext,
  type SecondFactor,
  type VerifiedProof,
} from './second-factor';
import { TotpFactor } from './totp.factor';
import { WebAuthnFactor } from './webauthn.factor';

/**
 * The factor core: "which factors does this user have, and does this proof
 * satisfy one of them". Login, the settings routes, step-up and the CLI all
 * ask it, so a rule (replay, credential version, recording the failure) is
 * written once per factor kind.
 */
@Injectable()
export class SecondFactors {
  private readonly factors: readonly SecondFactor[];

  constructor(totp: TotpFactor, recoveryCodes: RecoveryCodeFactor, webauthn: WebAuthnFactor) {
    this.factors = [totp, recoveryCodes, webauthn] as SecondFactor[];
  }

  /** The factors a login can ask this user for (recovery codes are the fallback, not a factor of their own). */
  async enrolled(user: User): Promise<FactorKind[]> {
    const kinds: FactorKind[] = [];
    for (const factor of this.factors) {
      if (factor.kind !== 'recovery-code' && (await factor.isEnrolled(user))) kinds.push(factor.kind);
    }
    return kinds;
  }

  async hasAny(user: User): Promise<boolean> {
    return (await this.enrolled(user)).length > 0;
  }

  /** Resolves when `proof` satisfies one of the user's factors; a proof of a kind the user lacks is simply wrong. */
  async verify(user: User, proof: FactorProof, context: ProofContext): Promise<VerifiedProof> {
    const factor = this.factors.find((f) => f.kind === proof.kind);
    if (!factor || !(await factor.isEnrolled(user))) throw new UnauthorizedException(INVALID_CODE);
    return factor.verify(user, proof, context);
  }

  /** Every second factor of the user, recovery codes included. */
  async removeAll(userId: string): Promise<void> {
    for (const factor of this.factors) await factor.remove(userId);
  }
}
