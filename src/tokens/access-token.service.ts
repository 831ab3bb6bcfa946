import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfigService } from '../config/app-config.service';
import { KeyRing } from './key-ring';
import { ACCESS_TOKEN_TYP } from './token-types';

export interface IssuedAccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** Issues RFC 9068-shaped access tokens, only after both factors succeeded. */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly keys: KeyRing,
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
  issue(userId: string, sessionId: string, issuedAt = Date.now()): IssuedAccessToken {
    const { issuer, audience, accessTtlSeconds } = this.config.app.jwt;
    const claims = { amr: ['pwd', 'otp'], sid: sessionId, iat: Math.floor(issuedAt / 1000) };
    const accessToken = jwt.sign(claims, this.keys.accessSigningKey, {
      algorithm: this.keys.accessAlgorithm,
      keyid: this.keys.accessKid,
      header: { alg: this.keys.accessAlgorithm, typ: ACCESS_TOKEN_TYP },
      issuer,
      audience,
      subject: userId,
      jwtid: randomUUID(),
      expiresIn: accessTtlSeconds,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: accessTtlSeconds };
  }
}
