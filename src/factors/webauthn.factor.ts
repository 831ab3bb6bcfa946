import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { type ProofContext, type SecondFactor, type VerifiedProof } from './second-factor';
import { WebAuthnChallenges, type Ceremony } from './webauthn-challenges';
import type { WebAuthnCredential } from './webauthn-credential.entity';
import { WebAuthnCredentialsService } from './webauthn-credentials.service';
import { WebAuthnRelyingParty } from './webauthn-relying-party';

type WebAuthnProof = { kind: 'webauthn'; response: AuthenticationResponseJSON };

/** The one answer to a refused passkey assertion, whatever was wrong with it. */
export const INVALID_PASSKEY = 'Invalid passkey assertion';

/** Never a whole credential id in a log line: a prefix tells passkeys apart. */
export function credentialLabel(credentialId: string): string {
  return credentialId.slice(0, 8);
}

/**
 * Passkeys (WebAuthn). An assertion is accepted once: it must answer a live
 * challenge issued to this caller for this purpose (taken atomically, so a
 * replay finds nothing), be signed by one of this user's credentials for
 * the configured origin and RP ID, and move the signature counter forward
 * (authenticators that report no counter, synced passkeys, always say 0).
 */
@Injectable()
export class WebAuthnFactor implements SecondFactor<WebAuthnProof> {
  readonly kind = 'webauthn';

  constructor(
    private readonly credentials: WebAuthnCredentialsService,
    private readonly challenges: WebAuthnChallenges,
    private readonly relyingParty: WebAuthnRelyingParty,
    private readonly users: UsersService,
    private readonly events: SecurityEvents,
  ) {}

  isEnrolled(user: User): Promise<boolean> {
    return this.credentials.hasAny(user.id);
  }

  /** As a second factor (login, step-up): the assertion answers the challenge issued to `challengeBinding`. */
  async verify(user: User, proof: WebAuthnProof, context: ProofContext): Promise<VerifiedProof> {
    if (!context.challengeBinding) throw new UnauthorizedException(INVALID_PASSKEY);
    await this.assert(
      user,
      proof.response,
      { purpose: context.challengePurpose ?? 'authenticate', binding: context.challengeBinding },
      false,
      context,
    );
    return { kind: this.kind };
  }

  /** The owner of the credential a (passwordless) response names, or null. */
  async ownerOf(response: AuthenticationResponseJSON): Promise<string | null> {
    if (typeof response?.id !== 'string') return null;
    return (await this.credentials.findByCredentialId(response.id))?.userId ?? null;
  }

  /**
   * Checks an assertion for `user` against the ceremony's challenge;
   * `requireUserVerification` for passwordless, where the passkey is both
   * factors. Records and throws 401 on any refusal.
   */
  async assert(
    user: User,
    response: AuthenticationResponseJSON,
    ceremony: Ceremony,
    requireUserVerification: boolean,
    context: Pick<ProofContext, 'credentialVersion' | 'origin'>,
  ): Promise<WebAuthnCredential> {
    const origin = context.origin;
    const taken = await this.challenges.take(ceremony, response?.response?.clientDataJSON);
    if (!taken) throw this.refused(user, origin, 'challenge');
    const credential = typeof response.id === 'string' ? await this.credentials.findByCredentialId(response.id) : null;
    if (!credential || credential.userId !== user.id) throw this.refused(user, origin, 'unknown-credential');
    const userHandle = response.response.userHandle;
    if (userHandle !== undefined && userHandle !== Buffer.from(user.id, 'utf8').toString('base64url')) {
      throw this.refused(user, origin, 'unknown-credential', credential);
    }
    const verified = await this.relyingParty.verifyAssertion(
      response,
      taken.challenge,
      credential,
      requireUserVerification,
    );
    if (!verified) throw this.refused(user, origin, 'invalid-assertion', credential);
    // A counter that does not move forward means two authenticators share the
    // key (a clone); 0 on both sides is an authenticator without a counter.
    if ((verified.newCounter > 0 || credential.counter > 0) && verified.newCounter <= credential.counter) {
      this.events.record('auth.webauthn.counter_regression', origin, {
        userId: user.id,
        credential: credentialLabel(credential.credentialId),
      });
      throw new UnauthorizedException(INVALID_PASSKEY);
    }
    if (
      !(await this.credentials.acceptAssertion(credential, verified.newCounter, verified.backedUp)) ||
      !(await this.users.hasCredentialVersion(user.id, context.credentialVersion))
    ) {
      throw this.refused(user, origin, 'replayed', credential);
    }
    this.events.record('auth.webauthn.verified', origin, {
      userId: user.id,
      credential: credentialLabel(credential.credentialId),
    });
    return credential;
  }

  async remove(userId: string): Promise<void> {
    await this.credentials.removeAll(userId);
  }

  private refused(
    user: User,
    origin: RequestOrigin | null,
    reason: string,
    credential?: WebAuthnCredential,
  ): UnauthorizedException {
    this.events.record('auth.webauthn.failed', origin, {
      userId: user.id,
      reason,
      credential: credential ? credentialLabel(credential.credentialId) : undefined,
    });
    return new UnauthorizedException(INVALID_PASSKEY);
  }
}
