import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ShortLivedStore } from '../state/short-lived.store';

/** What a challenge was issued for; an answer is checked against the same purpose only. */
export type CeremonyPurpose = 'register' | 'enroll' | 'authenticate' | 'login' | 'step-up';

/** Where a ceremony's challenge belongs: a purpose and whom it was issued to. */
export interface Ceremony {
  purpose: CeremonyPurpose;
  /** The pre-auth token's jti, the session id, user and session (step-up), or (passwordless) the client address. */
  binding: string;
}

/** 32 random bytes, the least the issue allows (the spec asks for at least 16). */
const CHALLENGE_BYTES = 32;
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const CHALLENGE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * WebAuthn challenges in the short-lived store (shared through Redis by
 * every instance): random, bound to their ceremony, five minutes, single
 * use. The key holds purpose, binding and the challenge, so an answer to
 * someone else's challenge finds nothing (and spends nothing of theirs), and
 * taking the key is atomic, so a challenge answered twice, on one instance
 * or two, is accepted once.
 */
@Injectable()
export class WebAuthnChallenges {
  constructor(private readonly store: ShortLivedStore) {}

  /** A new challenge (base64url) for the ceremony; `data` comes back with it when it is answered. */
  async issue(ceremony: Ceremony, data: Record<string, string> = {}): Promise<string> {
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
    await this.store.put(this.key(ceremony, challenge), JSON.stringify(data), CHALLENGE_TTL_MS);
    return challenge;
  }

  /**
   * Spends the challenge a response answers, when it was issued for this
   * ceremony and is still live: its value and data, or null. The challenge
   * is read from the response's clientDataJSON; the signature over it is
   * checked afterwards, against exactly this value.
   */
  async take(
    ceremony: Ceremony,
    clientDataJSON: unknown,
  ): Promise<{ challenge: string; data: Record<string, string> } | null> {
    const challenge = challengeOf(clientDataJSON);
    if (!challenge) return null;
    const stored = await this.store.take(this.key(ceremony, challenge));
    return stored === null ? null : { challenge, data: JSON.parse(stored) as Record<string, string> };
  }

  private key(ceremony: Ceremony, challenge: string): string {
    return `webauthn:challenge:${ceremony.purpose}:${ceremony.binding}:${challenge}`;
  }
}

function challengeOf(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 4096) return null;
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && CHALLENGE_FORMAT.test(parsed.challenge) ? parsed.challenge : null;
  } catch {
    return null;
  }
}
