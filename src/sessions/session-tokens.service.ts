import { Injectable } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { AccessTokenService, type IssuedAccessToken } from '../tokens/access-token.service';
import type { SessionAuth } from '../tokens/token-types';
import { UsersService } from '../users/users.service';
import { SessionsService, type SessionOrigin } from './sessions.service';

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** What a completed login or a refresh hands the client: an access token bound to its session, and the next refresh token. */
@Injectable()
export class SessionTokensService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokenService,
    private readonly users: UsersService,
  ) {}

  /**
   * Starts a session for a login whose proofs were checked against the
   * user's `credentialVersion`; null when a credential change came in
   * between. The session is written first and the version read after: a
   * change that commits later sees this session in its sweep and ends it, one
   * that committed earlier is seen here. Checking before the write would
   * leave a gap in which a reset's sweep misses the new session.
   *
   * The session records when the access token will expire before the token
   * exists: a revocation reads that record to know how long it must last.
   */
  async start(
    userId: string,
    credentialVersion: number,
    amr: string[],
    from: SessionOrigin,
  ): Promise<SessionTokens | null> {
    const issuedAt = Date.now();
    const auth: SessionAuth = { amr, authTime: issuedAt };
    const expiresAt = this.accessTokens.expiresAt(issuedAt);
    const { sessionId, refreshToken } = await this.sessions.start(userId, expiresAt, auth, from);
    if (!(await this.users.hasCredentialVersion(userId, credentialVersion))) {
      await this.sessions.end(sessionId);
      return null;
    }
    return { ...this.accessTokens.issue(userId, sessionId, auth, issuedAt), refreshToken };
  }

  /**
   * After a step-up proof: a new access token for the same session, whose
   * auth_time is now and whose amr (and so acr) are the step-up's, recorded
   * on the session first so every later refresh carries them. Null when the
   * session ended (or expired) meanwhile. The refresh token is unchanged.
   */
  async stepUp(userId: string, sessionId: string, amr: string[]): Promise<IssuedAccessToken | null> {
    const issuedAt = Date.now();
    const auth: SessionAuth = { amr, authTime: issuedAt };
    const expiresAt = this.accessTokens.expiresAt(issuedAt);
    if (!(await this.sessions.recordStepUp(sessionId, userId, auth, expiresAt))) return null;
    return this.accessTokens.issue(userId, sessionId, auth, issuedAt);
  }

  async refresh(refreshToken: string, origin: RequestOrigin): Promise<SessionTokens> {
    const issuedAt = Date.now();
    const rotated = await this.sessions.rotate(refreshToken, origin, this.accessTokens.expiresAt(issuedAt));
    return {
      ...this.accessTokens.issue(rotated.userId, rotated.sessionId, rotated.auth, issuedAt),
      refreshToken: rotated.refreshToken,
    };
  }
}
