import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../access/principal';

const MAX_ENTRIES = 10_000;

interface Entry {
  user: AuthenticatedUser;
  expiresAtMs: number;
}

/**
 * Access tokens whose signature and claims passport-jwt has already checked,
 * keyed by their exact bytes, until their exp: a repeat request with the same
 * token then costs a map lookup instead of an ECDSA verification (figures:
 * docs/performance.md, "Forged tokens").
 * Only verified tokens enter, so forged ones cannot fill it; it is bounded
 * and evicts the oldest entry. Revocation is not cached: the guard checks
 * the session on every request, hit or miss.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  get(token: string, nowMs = Date.now()): AuthenticatedUser | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.user;
  }

  set(token: string, user: AuthenticatedUser, expSeconds: number): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { user, expiresAtMs: expSeconds * 1000 });
  }
}
