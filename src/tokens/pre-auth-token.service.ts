import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { PreAuthenticatedUser } from '../access/principal';
import { AppConfigService } from '../config/app-config.service';
import { PreAuthBudgetService } from './pre-auth-budget.service';
import { PRE_AUTH_JWT } from './token-jwt';
import { isIssuedId, type PreAuthTokenClaims } from './token-types';

/**
 * The password step's only output: proof of the first factor, good for the
 * second-step routes and nothing else. HS256 with a key derived from
 * APP_SECRET: only this service ever verifies it, so it needs no public key.
 */
@Injectable()
export class PreAuthTokenService {
  constructor(
    @Inject(PRE_AUTH_JWT) private readonly jwt: JwtService,
    private readonly budget: PreAuthBudgetService,
    private readonly config: AppConfigService,
  ) {}

  /**
   * `credentialVersion` ties the token to the credentials it was earned
   * with; `deviceId` binds it to the device whose token came with the
   * password, so its second-step failures count against that device.
   */
  issue(userId: string, credentialVersion: number, deviceId: string | null): { token: string; expiresIn: number } {
    const claims = { amr: ['pwd'], cv: credentialVersion, ...(deviceId ? { dev: deviceId } : {}) };
    const token = this.jwt.sign(claims, { subject: userId, jwtid: randomUUID() });
    return { token, expiresIn: this.config.app.preAuth.ttlSeconds };
  }

  /**
   * The principal of a valid, unspent pre-auth token, or null. Everything is
   * pinned by the JwtService (key by kid, HS256, issuer, own audience, typ);
   * jsonwebtoken accepts a token without exp, a pre-auth token must expire.
   */
  async verify(token: string): Promise<PreAuthenticatedUser | null> {
    let claims: Partial<PreAuthTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<PreAuthTokenClaims>>(token);
    } catch {
      return null;
    }
    if (typeof claims.exp !== 'number' || !isIssuedId(claims.sub) || !isIssuedId(claims.jti)) return null;
    if (!Number.isInteger(claims.cv) || (claims.dev !== undefined && typeof claims.dev !== 'string')) return null;
    if (await this.budget.isSpent(claims.jti)) return null;
    return {
      id: claims.sub,
      jti: claims.jti,
      exp: claims.exp,
      credentialVersion: claims.cv as number,
      deviceId: claims.dev ?? null,
    };
  }
}
