import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfigService } from '../config/app-config.service';
import { KeyRing } from '../tokens/key-ring';
import type { KeyCallback } from '../tokens/key-callback';
import { readJwtHeader } from '../tokens/jwt-header';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import {
  isIssuedId,
  PREAUTH_TOKEN_TYP,
  preAuthAudience,
  type PreAuthenticatedUser,
  type PreAuthTokenClaims,
} from '../tokens/token-types';

/** Verifies pre-auth tokens: own key, own audience, own typ, and not yet spent. */
@Injectable()
export class PreAuthTokenStrategy extends PassportStrategy(Strategy, 'pre-auth-token') {
  constructor(
    keys: KeyRing,
    config: AppConfigService,
    private readonly budget: PreAuthBudgetService,
  ) {
    const { issuer } = config.app.jwt;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: ['HS256'],
      issuer,
      audience: preAuthAudience(issuer),
      ignoreExpiration: false,
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: KeyCallback) => {
        const header = readJwtHeader(rawToken);
        const key = header?.typ === PREAUTH_TOKEN_TYP ? keys.preAuthVerifyKey(header.kid) : undefined;
        if (!key) return done(new Error('not a pre-auth token'));
        done(null, key as unknown as Buffer);
      },
    });
  }

  async validate(claims: Partial<PreAuthTokenClaims>): Promise<PreAuthenticatedUser | false> {
    if (typeof claims.exp !== 'number' || !isIssuedId(claims.sub) || !isIssuedId(claims.jti)) return false;
    if (await this.budget.isSpent(claims.jti)) return false;
    return { id: claims.sub, jti: claims.jti, exp: claims.exp };
  }
}
