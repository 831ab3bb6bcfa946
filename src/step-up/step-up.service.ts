import { BadRequestException, ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import type { FactorKind, FactorProof } from '../factors/second-factor';
import { StepUpVerifier } from '../factors/step-up-verifier.service';
import { WebAuthnChallenges } from '../factors/webauthn-challenges';
import { WebAuthnCredentialsService } from '../factors/webauthn-credentials.service';
import { WebAuthnRelyingParty } from '../factors/webauthn-relying-party';
import { SessionTokensService } from '../sessions/session-tokens.service';
import type { IssuedAccessToken } from '../tokens/access-token.service';
import { UsersService } from '../users/users.service';
import type { StepUpDto } from './dto/step-up.dto';

export type SteppedUp = IssuedAccessToken & { recoveryCodesRemaining?: number };

export const ONE_PROOF = 'Send exactly one of code, recoveryCode or response';
const NO_PASSKEY = 'No passkey is registered for this account';

/**
 * The amr (RFC 8176) of a step-up: the method proven now, and only that. A
 * step-up's token describes this authentication (auth_time now, amr, and
 * the acr that follows), not the login's: a code typed now in a session
 * whose login used a passkey is an mfa-level proof, so a route asking for
 * a recent phishing-resistant authentication wants a passkey step-up, not
 * an old passkey plus a fresh (phishable) code.
 */
const STEP_UP_AMR: Record<FactorKind, string[]> = {
  totp: ['otp'],
  'recovery-code': ['otp'],
  webauthn: ['hwk'],
};

/**
 * POST /auth/step-up: a logged-in user proves a factor again and gets a new
 * access token for the same session, with a fresh auth_time. Proofs are
 * checked by the factor core through StepUpVerifier, so replay protection,
 * the lockout and the failure events are those of every other
 * proof-checking route.
 */
@Injectable()
export class StepUpService {
  constructor(
    private readonly users: UsersService,
    private readonly verifier: StepUpVerifier,
    private readonly credentials: WebAuthnCredentialsService,
    private readonly challenges: WebAuthnChallenges,
    private readonly relyingParty: WebAuthnRelyingParty,
    private readonly sessionTokens: SessionTokensService,
    private readonly events: SecurityEvents,
  ) {}

  /** Request options for this user's passkeys; the challenge belongs to this user and this session only. */
  async webauthnOptions(principal: AuthenticatedUser): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = await this.credentials.list(principal.id);
    if (passkeys.length === 0) throw new ConflictException(NO_PASSKEY);
    const challenge = await this.challenges.issue({ purpose: 'step-up', binding: challengeBinding(principal) });
    return this.relyingParty.authenticationOptions(challenge, passkeys);
  }

  async stepUp(principal: AuthenticatedUser, dto: StepUpDto, origin: RequestOrigin): Promise<SteppedUp> {
    const proof = proofOf(dto);
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    const verified = await this.verifier.verify(
      user,
      { proof, challenge: { challengeBinding: challengeBinding(principal), challengePurpose: 'step-up' } },
      origin,
    );
    // The proof is spent either way; a session that ended meanwhile gets no new token.
    const token = await this.sessionTokens.stepUp(user.id, principal.sid, STEP_UP_AMR[proof.kind]);
    if (!token) throw new UnauthorizedException();
    this.events.record('auth.step_up', origin, { userId: user.id, sessionId: principal.sid, method: proof.kind });
    const remaining = verified?.recoveryCodesRemaining;
    return remaining === undefined ? token : { ...token, recoveryCodesRemaining: remaining };
  }
}

/** Exactly one proof; which one decides the factor asked (a kind the user lacks is simply a wrong proof). */
function proofOf(dto: StepUpDto): FactorProof {
  const proofs: FactorProof[] = [];
  if (dto.code !== undefined) proofs.push({ kind: 'totp', code: dto.code });
  if (dto.recoveryCode !== undefined) proofs.push({ kind: 'recovery-code', recoveryCode: dto.recoveryCode });
  if (dto.response !== undefined) proofs.push({ kind: 'webauthn', response: dto.response });
  if (proofs.length !== 1) throw new BadRequestException(ONE_PROOF);
  return proofs[0];
}

/** Both the user and the session: an assertion answers a step-up of the session that asked, and no other. */
function challengeBinding(principal: AuthenticatedUser): string {
  return `${principal.id}:${principal.sid}`;
}
