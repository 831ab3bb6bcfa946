import { Injectable } from '@nestjs/common';
import { AccessTokenService } from '../tokens/access-token.service';
import type { RequestOrigin } from '../audit/request-origin';
import { SessionsService } from './sessions.service';

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
  ) {}

  // The session records when the access token will expire before the token
  // exists: a revocation reads that record to know how long it must last.
  async start(userId: string): Promise<SessionTokens> {
    const issuedAt = Date.now();
    const { sessionId, refreshToken } = await this.sessions.start(userId, this.accessTokens.expiresAt(issuedAt));
    return { ...this.accessTokens.issue(userId, sessionId, issuedAt), refreshToken };
  }

  async refresh(refreshToken: string, origin: RequestOrigin): Promise<SessionTokens> {
    const issuedAt = Date.now();
    const rotated = await this.sessions.rotate(refreshToken, origin, this.accessTokens.expiresAt(issuedAt));
    return {
      ...this.accessTokens.issue(rotated.userId, rotated.sessionId, issuedAt),
      refreshToken: rotated.refreshToken,
    };
  }
}
