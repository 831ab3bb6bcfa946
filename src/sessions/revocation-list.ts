import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service';
import { ShortLivedStore } from '../state/short-lived.store';

/**
 * Ended sessions whose access tokens may still be unexpired. Checked on
 * every authenticated request, so it lives in the short-lived store (a map
 * lookup in-process), not in the database; an entry is kept only as long as
 * an access token of that session could still be valid.
 */
@Injectable()
export class RevocationList {
  private readonly ttlMs: number;

  constructor(
    private readonly store: ShortLivedStore,
    config: AppConfigService,
  ) {
    // A token issued just before the revocation lives JWT_ACCESS_TTL more; a
    // few seconds on top cover clock skew between instances.
    this.ttlMs = (config.app.jwt.accessTtlSeconds + 5) * 1000;
  }

  async revokeSession(sessionId: string, ttlMs = this.ttlMs): Promise<void> {
    if (ttlMs > 0) await this.store.setIfAbsent(this.key(sessionId), ttlMs);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.store.get(this.key(sessionId))) !== null;
  }

  /** How long after a revocation an access token of that session can still verify. */
  get windowMs(): number {
    return this.ttlMs;
  }

  private key(sessionId: string): string {
    return `revoked:sid:${sessionId}`;
  }
}
