import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { REVOCATION_CLOCK_SKEW_MS, RevocationList } from '../access/revocation-list';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { AppConfigService } from '../config/app-config.service';
import { DependencyUnavailableException } from '../state/dependency-unavailable.exception';
import type { SessionAuth } from '../tokens/token-types';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';

export interface StartedSession {
  sessionId: string;
  refreshToken: string;
}

/** Where a login came from, kept on its session for GET /auth/sessions and GET /auth/devices. */
export interface SessionOrigin {
  clientAddress: string | null;
  /** Already escaped and cut (userAgentOf). */
  userAgent: string | null;
  /** The device token the login issued or renewed. */
  deviceId: string | null;
}

export interface RotatedSession extends StartedSession {
  userId: string;
  auth: SessionAuth;
}

const INVALID_REFRESH = 'Invalid or expired refresh token';

@Injectable()
export class SessionsService implements OnApplicationBootstrap {
  private readonly absoluteMs: number;
  private readonly idleMs: number;
  private readonly accessTtlMs: number;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(RefreshToken) private readonly tokens: Repository<RefreshToken>,
    private readonly revocations: RevocationList,
    config: AppConfigService,
    private readonly events: SecurityEvents,
  ) {
    this.absoluteMs = config.app.sessions.refreshTtlSeconds * 1000;
    this.idleMs = config.app.sessions.idleTtlSeconds * 1000;
    this.accessTtlMs = config.app.jwt.accessTtlSeconds * 1000;
  }

  /**
   * The revocation list may live in process memory: after a restart it is
   * rebuilt from the ended sessions whose latest access token may still be
   * unexpired, by the expiry each session recorded (not by today's
   * JWT_ACCESS_TTL, which may have been lowered since), so a logout
   * survives a crash and a configuration change.
   */
  async onApplicationBootstrap(): Promise<void> {
    const cutoff = Date.now() - REVOCATION_CLOCK_SKEW_MS;
    // Spelled out so both engines match the partial index idx_sessions_revoked_access_expiry
    // (SQLite does not see that NOT(revoked_at IS NULL), TypeORM's Not(IsNull()), implies it).
    const ended = await this.endedSessions('revoked_at IS NOT NULL AND access_expires_at > :cutoff', { cutoff });
    // Ended before access_expires_at existed: the old rule, today's JWT_ACCESS_TTL after the revocation.
    const endedBeforeMigration = await this.endedSessions(
      'revoked_at IS NOT NULL AND access_expires_at IS NULL AND revoked_at > :since',
      { since: cutoff - this.accessTtlMs },
    );
    try {
      for (const session of [...ended, ...endedBeforeMigration]) {
        await this.revocations.revokeSession(session.id, this.accessExpiryOf(session));
      }
    } catch (error) {
      // A shared store that is down at startup still holds its entries; the
      // instance starts and answers 503 until the store is back.
      if (!(error instanceof DependencyUnavailableException)) throw error;
    }
  }

  /** `accessExpiresAt`: when the access token about to be issued for the session expires (epoch ms). */
  async start(
    userId: string,
    accessExpiresAt: number,
    auth: SessionAuth,
    from: SessionOrigin,
  ): Promise<StartedSession> {
    const now = Date.now();
    const session = await this.sessions.save(
      this.sessions.create({
        id: randomUUID(),
        userId,
        createdAt: now,
        expiresAt: now + this.absoluteMs,
        lastUsedAt: now,
        revokedAt: null,
        accessExpiresAt,
        authTime: auth.authTime,
        amr: auth.amr.join(' '),
        createdFromAddress: from.clientAddress,
        clientAddress: from.clientAddress,
        userAgent: from.userAgent,
        deviceId: from.deviceId,
      }),
    );
    return { sessionId: session.id, refreshToken: await this.issueRefreshToken(session.id, now) };
  }

  /**
   * Exchanges a refresh token for a new one. The old one is marked rotated in
   * one conditional update, so of two concurrent uses only one can win; the
   * loser, like any later use of a rotated token, is treated as theft and
   * ends the whole session (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
   * `accessExpiresAt`: when the access token about to be issued expires.
   */
  async rotate(refreshToken: string, origin: RequestOrigin, accessExpiresAt: number): Promise<RotatedSession> {
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
    // A logout (end()) may run between any two of these statements, and the
    // access token this refresh hands out must never outlive its revocation:
    // 1. The new token's expiry is recorded on the session first, only while
    //    the session is not revoked (an UPDATE waiting on the logout's row
    //    lock re-checks that, and then records nothing).
    // 2. The claim requires the session unrevoked in the same statement. A
    //    claim that wins therefore saw the session before the logout's
    //    revoked_at committed, and step 1 had committed before it started.
    // 3. end() sets revoked_at and only then reads access_expires_at to size
    //    the revocation: whenever the claim won, that read sees step 1.
    // Recorded after the claim, the expiry could be read by a logout in
    // between, and a token from a longer JWT_ACCESS_TTL (another instance,
    // or before a restart) would outlive the revocation. A claim that loses
    // to the logout leaves at most a longer-than-needed revocation.
    await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set({
        accessExpiresAt: () =>
          'CASE WHEN access_expires_at IS NULL OR access_expires_at < :accessExpiresAt THEN :accessExpiresAt ELSE access_expires_at END',
      })
      .where('id = :sessionId AND revoked_at IS NULL', { sessionId: session.id, accessExpiresAt })
      .execute();
    const claimed = await this.tokens
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ rotatedAt: now })
      .where('token_hash = :tokenHash AND rotated_at IS NULL', { tokenHash })
      .andWhere(
        'EXISTS (SELECT 1 FROM sessions WHERE sessions.id = refresh_tokens.session_id AND sessions.revoked_at IS NULL)',
      )
      .execute();
    if (claimed.affected !== 1) {
      // Lost to a logout, not to a second use of the token: nothing is stolen, nothing left to end.
      if (await this.isEnded(session.id)) throw new UnauthorizedException(INVALID_REFRESH);
      await this.reuseDetected(session, origin);
      throw new UnauthorizedException(INVALID_REFRESH);
    }
    // The address last seen; an unknown one (null) does not erase the one before.
    await this.sessions.update(
      { id: session.id },
      origin.clientAddress === null ? { lastUsedAt: now } : { lastUsedAt: now, clientAddress: origin.clientAddress },
    );
    return {
      sessionId: session.id,
      userId: session.userId,
      auth: sessionAuthOf(session),
      refreshToken: await this.issueRefreshToken(session.id, now),
    };
  }

  /**
   * POST /auth/step-up: the session's latest authentication becomes `auth`
   * (so later refreshes carry the new auth_time, amr and acr), and the expiry
   * of the access token about to be issued is recorded, in one statement and
   * only while the session is the user's, live and within its lifetimes. A
   * logout racing this either commits first (nothing is updated: false) or
   * reads the expiry recorded here when it sizes the revocation (see
   * rotate()). A step-up never extends a session: past its absolute or idle
   * end it is refused like a refresh.
   */
  async recordStepUp(sessionId: string, userId: string, auth: SessionAuth, accessExpiresAt: number): Promise<boolean> {
    const now = Date.now();
    const updated = await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set({
        authTime: auth.authTime,
        amr: auth.amr.join(' '),
        accessExpiresAt: () =>
          'CASE WHEN access_expires_at IS NULL OR access_expires_at < :accessExpiresAt THEN :accessExpiresAt ELSE access_expires_at END',
      })
      .where('id = :sessionId AND user_id = :userId AND revoked_at IS NULL', { sessionId, userId, accessExpiresAt })
      .andWhere('expires_at > :now AND last_used_at > :idleSince', { now, idleSince: now - this.idleMs })
      .execute();
    return updated.affected === 1;
  }

  /**
   * Revokes first, then reads the expiry to revoke for: see rotate() for why
   * this order covers an access token issued by a refresh racing the end.
   * True when this call ended the session (of concurrent ends, one only).
   */
  async end(sessionId: string, now = Date.now()): Promise<boolean> {
    const revoked = await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set({ revokedAt: now, accessExpiresAt: () => 'COALESCE(access_expires_at, :legacyExpiry)' })
      .where('id = :sessionId AND revoked_at IS NULL', { sessionId, legacyExpiry: now + this.accessTtlMs })
      .execute();
    const ended = await this.sessions.findOne({
      where: { id: sessionId },
      select: { id: true, revokedAt: true, accessExpiresAt: true },
    });
    await this.revocations.revokeSession(sessionId, ended ? this.accessExpiryOf(ended) : now + this.accessTtlMs);
    return revoked.affected === 1;
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

  private endedSessions(where: string, parameters: Record<string, number>): Promise<Session[]> {
    return this.sessions
      .createQueryBuilder('session')
      .select(['session.id', 'session.revokedAt', 'session.accessExpiresAt'])
      .where(where, parameters)
      .getMany();
  }

  private async isEnded(sessionId: string): Promise<boolean> {
    const session = await this.sessions.findOne({ where: { id: sessionId }, select: { id: true, revokedAt: true } });
    return !session || session.revokedAt !== null;
  }

  /**
   * Until when an access token of this ended session may verify. A session
   * ended before access_expires_at existed has none recorded: today's
   * JWT_ACCESS_TTL after its end, the rule of that time.
   */
  private accessExpiryOf(session: Pick<Session, 'revokedAt' | 'accessExpiresAt'>): number {
    return session.accessExpiresAt ?? (session.revokedAt ?? Date.now()) + this.accessTtlMs;
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

/** How the session's login was proven; sessions from before the amr and auth_time columns: "pwd otp" at creation. */
export function sessionAuthOf(session: Pick<Session, 'amr' | 'authTime' | 'createdAt'>): SessionAuth {
  return { amr: session.amr?.split(' ') ?? ['pwd', 'otp'], authTime: session.authTime ?? session.createdAt };
}

/** 256 random bits need no salt or slow hash: SHA-256 cannot be reversed or guessed. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
