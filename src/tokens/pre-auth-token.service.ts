import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfigService } from '../config/app-config.service';
import { KeyRing } from './key-ring';
import { PREAUTH_TOKEN_TYP, preAuthAudience } from './token-types';

/**
 * The password step's only output: proof of the first factor, good for the
 * /auth/2fa/* routes and nothing else. HS256 with a key derived from
 * APP_SECRET: only this service ever verifies it, so it needs no public key.
 */
@Injectable()
export class PreAuthTokenService {
  constructor(
    private readonly keys: KeyRing,
    private readonly config: AppConfigService,
  ) {}

  /**
   * `credentialVersion` ties the token to the credentials it was earned
   * with; `deviceId` binds it to the device whose token came with the
   * password, so its second-step failures count against that device.
   */
  issue(userId: string, credentialVersion: number, deviceId: string | null): { token: string; expiresIn: number } {
    const { ttlSeconds } = this.config.app.preAuth;
    const { issuer } = this.config.app.jwt;
    const claims = { amr: ['pwd'], cv: credentialVersion, ...(deviceId ? { dev: deviceId } : {}) };
    const token = jwt.sign(claims, this.keys.preAuthSigningKey, {
      algorithm: 'HS256',
      keyid: this.keys.preAuthKid,
      header: { alg: 'HS256', typ: PREAUTH_TOKEN_TYP },
      issuer,
      audience: preAuthAudience(issuer),
      subject: userId,
      jwtid: randomUUID(),
      expiresIn: ttlSeconds,
    });
    return { token, expiresIn: ttlSeconds };
  }
}
