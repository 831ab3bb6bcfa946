import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfigService } from '../config/app-config.service';
import { ACCESS_JWT } from './token-jwt';
import { acrOf, type SessionAuth } from './token-types';

export interface IssuedAccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** Issues RFC 9068-shaped access tokens, only after both factors succeeded. */
@Injectable()
export class AccessTokenService {
  constructor(
    @Inject(ACCESS_JWT) private readonly jwt: JwtService,
    private readonly config: AppConfigService,
  ) {}

  /** When a token issued at `issuedAt` (epoch ms) expires: never before its exp claim. */
  expiresAt(issuedAt: number): number {
    return issuedAt + this.config.app.jwt.accessTtlSeconds * 1000;
  }

  /**
   * `issuedAt` is the instant the caller recorded expiresAt(issuedAt) for:
   * exp is counted from it (iat, in whole seconds, rounds down), so the token
   * never outlives what its session recorded.
   */
  issue(userId: string, sessionId: string, auth: SessionAuth, issuedAt = Date.now()): IssuedAccessToken {
    const { accessTtlSeconds } = this.config.app.jwt;
    const claims = {
      amr: auth.amr,
      sid: sessionId,
      iat: Math.floor(issuedAt / 1000),
      auth_time: Math.floor(auth.authTime / 1000),
      acr: acrOf(auth.amr),
    };
    const accessToken = this.jwt.sign(claims, { subject: userId, jwtid: randomUUID() });
    return { accessToken, tokenType: 'Bearer', expiresIn: accessTtlSeconds };
  }
}
