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

  async start(userId: string): Promise<SessionTokens> {
    const { sessionId, refreshToken } = await this.sessions.start(userId);
    return { ...this.accessTokens.issue(userId, sessionId), refreshToken };
  }

  async refresh(refreshToken: string, origin: RequestOrigin): Promise<SessionTokens> {
    const rotated = await this.sessions.rotate(refreshToken, origin);
    return { ...this.accessTokens.issue(rotated.userId, rotated.sessionId), refreshToken: rotated.refreshToken };
  }
}
