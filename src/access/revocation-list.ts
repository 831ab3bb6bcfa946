import { Injectable } from '@nestjs/common';
import { ShortLivedStore } from '../state/short-lived.store';

/** Clock skew between instances, tolerated on top of a token's own expiry. */
export const REVOCATION_CLOCK_SKEW_MS = 5_000;

/**
 * Ended sessions whose access tokens may still be unexpired. Checked on
 * every authenticated request, so it lives in the short-lived store (a map
 * lookup in-process), not in the database; an entry is kept only as long as
 * an access token of that session could still be valid.
 */
@Injectable()
export class RevocationList {
  constructor(private readonly store: ShortLivedStore) {}

  /**
   * `accessExpiresAt` is when the session's latest-expiring access token
   * expires, as the session recorded it when the token was issued: the
   * entry lasts until then, whatever JWT_ACCESS_TTL is configured now.
   */
  async revokeSession(sessionId: string, accessExpiresAt: number): Promise<void> {
    const ttlMs = accessExpiresAt + REVOCATION_CLOCK_SKEW_MS - Date.now();
    if (ttlMs > 0) await this.store.setIfAbsent(this.key(sessionId), ttlMs);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.store.get(this.key(sessionId))) !== null;
  }

  private key(sessionId: string): string {
    return `revoked:sid:${sessionId}`;
  }
}
