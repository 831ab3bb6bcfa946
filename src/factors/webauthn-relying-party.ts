import { Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppConfigService } from '../config/app-config.service';
import type { User } from '../users/user.entity';
import { CHALLENGE_TTL_MS } from './webauthn-challenges';
import type { WebAuthnCredential } from './webauthn-credential.entity';

/** COSE algorithms accepted for new passkeys: ES256, EdDSA, RS256 (what platform and roaming authenticators use). */
const ALGORITHMS = [-7, -8, -257];

export interface NewCredential {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string | null;
  backedUp: boolean;
}

export interface VerifiedAssertion {
  newCounter: number;
  backedUp: boolean;
  userVerified: boolean;
}

/**
 * The relying party, configured once: every ceremony is generated and
 * checked here with @simplewebauthn/server (no hand-written CBOR or COSE).
 * Origins and RP ID are compared exactly against WEBAUTHN_ORIGINS and
 * WEBAUTHN_RP_ID; attestation is "none" (we trust the user's choice of
 * authenticator, not a vendor's certificate chain).
 */
@Injectable()
export class WebAuthnRelyingParty {
  private readonly rpId: string;
  private readonly rpName: string;
  private readonly origins: string[];

  constructor(config: AppConfigService) {
    ({ rpId: this.rpId, rpName: this.rpName, origins: this.origins } = config.app.webauthn);
  }

  registrationOptions(
    user: User,
    existing: WebAuthnCredential[],
    challenge: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.rpName,
      rpID: this.rpId,
      userName: user.username,
      // The user id (a random UUID, nothing personal) as the user handle: an
      // authenticator keeps one discoverable passkey per account and site.
      userID: Buffer.from(user.id, 'utf8'),
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      // The authenticator refuses to make a second credential of this account.
      excludeCredentials: existing.map(descriptor),
      // Discoverable where possible, so the same passkey also signs in without a password.
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
  }

  /** The new credential, or null when the response does not verify (origin, RP ID, challenge, type, signature). */
  async verifyRegistration(response: RegistrationResponseJSON, challenge: string): Promise<NewCredential | null> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.origins,
        expectedRPID: this.rpId,
        expectedType: 'webauthn.create',
        requireUserPresence: true,
        requireUserVerification: false,
        supportedAlgorithmIDs: ALGORITHMS,
      });
      if (!result.verified) return null;
      const { credential, credentialBackedUp } = result.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports?.length ? credential.transports.join(',') : null,
        backedUp: credentialBackedUp,
      };
    } catch {
      // Whatever the library refuses (and it throws rather than returning false) is a failed ceremony, never a 500.
      return null;
    }
  }

  authenticationOptions(
    challenge: string,
    allow: WebAuthnCredential[] | 'discoverable',
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: CHALLENGE_TTL_MS,
      allowCredentials: allow === 'discoverable' ? [] : allow.map(descriptor),
      // Passwordless: the passkey is both factors, so the user must be verified (PIN, biometrics).
      userVerification: allow === 'discoverable' ? 'required' : 'preferred',
    });
  }

  /**
   * Checks the signature with the stored key, origin, RP ID, type and user
   * presence (and user verification when required). The stored counter is
   * not given to the library: the caller compares counters itself, so a
   * regression is told apart from any other failure.
   */
  async verifyAssertion(
    response: AuthenticationResponseJSON,
    challenge: string,
    credential: WebAuthnCredential,
    requireUserVerification: boolean,
  ): Promise<VerifiedAssertion | null> {
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.origins,
        expectedRPID: this.rpId,
        expectedType: 'webauthn.get',
        credential: {
          id: credential.credentialId,
          publicKey: Buffer.from(credential.publicKey, 'base64url'),
          counter: 0,
          transports: credential.transports?.split(','),
        },
        requireUserVerification,
      });
      if (!result.verified) return null;
      const { newCounter, credentialBackedUp, userVerified } = result.authenticationInfo;
      if (requireUserVerification && !userVerified) return null;
      return { newCounter, backedUp: credentialBackedUp, userVerified };
    } catch {
      return null;
    }
  }
}

function descriptor(credential: WebAuthnCredential): { id: string; transports?: string[] } {
  return credential.transports
    ? { id: credential.credentialId, transports: credential.transports.split(',') }
    : { id: credential.credentialId };
}
