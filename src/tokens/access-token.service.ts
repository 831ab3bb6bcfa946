import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
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

  issue(userId: string, sessionId: string): IssuedAccessToken {
    const { issuer, audience, accessTtlSeconds } = this.config.app.jwt;
    const accessToken = jwt.sign({ amr: ['pwd', 'otp'], sid: sessionId }, this.keys.accessSigningKey, {
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
