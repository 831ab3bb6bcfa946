import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { RequestOrigin } from '../audit/request-origin';
import type { User } from '../users/user.entity';

/** The one answer to a wrong second-factor proof, whatever its kind. */
export const INVALID_CODE = 'Invalid code';

/** A proof of a second factor, as a client sends it. */
export type FactorProof =
  | { kind: 'totp'; code: string }
  | { kind: 'recovery-code'; recoveryCode: string }
  | { kind: 'webauthn'; response: AuthenticationResponseJSON };

export type FactorKind = FactorProof['kind'];

export interface ProofContext {
  /**
   * The credential version the caller's proof so far was checked against
   * (the pre-auth token's, or the user row just read): a proof is accepted
   * only while it still holds.
   */
  credentialVersion: number;
  origin: RequestOrigin | null;
  /**
   * Whom a passkey assertion's challenge was issued to (the pre-auth
   * token's jti; for a step-up, the user and the session): an assertion
   * answers only a challenge issued to the same caller for the same purpose.
   */
  challengeBinding?: string;
  /** What that challenge was issued for: the login's second step (the default) or a step-up. */
  challengePurpose?: 'authenticate' | 'step-up';
}

export interface VerifiedProof {
  kind: FactorKind;
  /** After a recovery code: how many are left. */
  recoveryCodesRemaining?: number;
}

/**
 * One kind of second factor. A new kind (passkeys) is one more
 * implementation: whether a user has it, whether a proof of its kind is
 * valid for that user (once: a proof is spent by its acceptance), and how it
 * is removed. verify throws UnauthorizedException for a wrong proof, after
 * recording the failure.
 */
export interface SecondFactor<P extends FactorProof = FactorProof> {
  readonly kind: P['kind'];
  isEnrolled(user: User): Promise<boolean>;
  verify(user: User, proof: P, context: ProofContext): Promise<VerifiedProof>;
  remove(userId: string): Promise<void>;
}
