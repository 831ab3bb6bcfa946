import { Injectable, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { MoreThan, Repository } from 'typeorm';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { AppConfigService } from '../config/app-config.service';
import { DependencyUnavailableException } from '../state/dependency-unavailable.exception';
import { RefreshToken } from './refresh-token.entity';
import { RevocationList } from './revocation-list';
import { Session } from './session.entity';

export interface StartedSession {
  sessionId: string;
  refreshToken: string;
}

export interface RotatedSession extends StartedSession {
  userId: string;
}

const INVALID_REFRESH = 'Invalid or expired refresh token';

@Injectable()
export class SessionsService implements OnApplicationBootstrap {
  private readonly absoluteMs: number;
  private readonly idleMs: number;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    private readonly revocations: RevocationList,
    config: AppConfigService,
    private readonly events: SecurityEvents,
  ) {
    this.absoluteMs = config.app.sessions.refreshTtlSeconds * 1000;
    this.idleMs = config.app.sessions.idleTtlSeconds * 1000;
  }

  /**
   * The revocation list may live in process memory: after a restart it is
   * rebuilt from the sessions ended recently enough for their access tokens
   * to still be unexpired, so a logout survives a crash.
   */
  async onApplicationBootstrap(): Promise<void> {
    const now = Date.now();
    const recent = await this.sessions.findBy({ revokedAt: MoreThan(now - this.revocations.windowMs) });
    try {
      for (const session of recent) {
        await this.revocations.revokeSession(session.id, (session.revokedAt ?? now) + this.revocations.windowMs - now);
      }
    } catch (error) {
      // A shared store that is down at startup still holds its entries; the
      // instance starts and answers 503 until the store is back.
      if (!(error instanceof DependencyUnavailableException)) throw error;
    }
  }

  async start(userId: string): Promise<StartedSession> {
    const now = Date.now();
    const session = await this.sessions.save(
      this.sessions.create({
        id: randomUUID(),
        userId,
        createdAt: now,
        expiresAt: now + this.absoluteMs,
        lastUsedAt: now,
        revokedAt: null,
      }),
    );
    return { sessionId: session.id, refreshToken: await this.issueRefreshToken(session.id, now) };
  }

  /**
   * Exchanges a refresh token for a new one. The old one is marked rotated in
   * one conditional update, so of two concurrent uses only one can win; the
   * loser, like any later use of a rotated token, is treated as theft and
   * ends the whole session (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
   */
  async rotate(refreshToken: string, origin: RequestOrigin): Promise<RotatedSession> {
    const tokenHash = hashToken(refreshToken);
    const row = await this.tokens.findOneBy({ tokenHash });
    if (!row) throw new UnauthorizedException(INVALID_REFRESH);
    const session = await this.sessions.findOneBy({ id: row.sessionId });
    if (!session || session.revokedAt !== null) throw new UnauthorizedException(INVALID_REFRESH);

    const now = Date.now();
    if (row.rotatedAt !== null) {
      await this.reuseDetected(session, origin);
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    if (now >= session.expiresAt || now - session.lastUsedAt >= this.idleMs) {
      await this.end(session.id, now);
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    const claimed = await this.tokens
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ rotatedAt: now })
      .where('token_hash = :tokenHash AND rotated_at IS NULL', { tokenHash })
      .execute();
    if (claimed.affected !== 1) {
      await this.reuseDetected(session, origin);
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    await this.sessions.update({ id: session.id }, { lastUsedAt: now });
    return { sessionId: session.id, userId: session.userId, refreshToken: await this.issueRefreshToken(session.id, now) };
  }

  async end(sessionId: string, now = Date.now()): Promise<void> {
    await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set({ revokedAt: now })
      .where('id = :sessionId AND revoked_at IS NULL', { sessionId })
      .execute();
    await this.revocations.revokeSession(sessionId);
  }

  /** POST /auth/logout: ends the caller's session. */
  async logout(userId: string, sessionId: string, origin: RequestOrigin): Promise<void> {
    await this.end(sessionId);
    this.events.record('session.logout', origin, { userId, sessionId });
  }

  async endAllForUser(userId: string): Promise<void> {
    const active = await this.sessions.find({ where: { userId }, select: { id: true, revokedAt: true } });
    const now = Date.now();
    for (const session of active) {
      if (session.revokedAt === null) await this.end(session.id, now);
    }
  }

  /** The session ends first: recording the theft must never be what keeps the thief's token alive. */
  private async reuseDetected(session: Session, origin: RequestOrigin): Promise<void> {
    await this.end(session.id);
    this.events.record('session.refresh.reuse', origin, { userId: session.userId, sessionId: session.id });
  }

  private async issueRefreshToken(sessionId: string, now: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.tokens.insert({ tokenHash: hashToken(token), sessionId, createdAt: now, rotatedAt: null });
    return token;
  }
}

/** 256 random bits need no salt or slow hash: SHA-256 cannot be reversed or guessed. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
