import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from '../access/principal';
import { RevocationList } from '../access/revocation-list';
import { AppConfigService } from '../config/app-config.service';
import { readJwtHeader } from '../tokens/jwt-header';
import type { KeyCallback } from '../tokens/key-callback';
import { KeyRing } from '../tokens/key-ring';
import { ACCESS_TOKEN_TYP, isIssuedId, SECOND_FACTOR_AMR, type AccessTokenClaims } from '../tokens/token-types';
import { VerifiedTokenCache } from './verified-token-cache';

/** Tokens travel only in the Authorization header, never in a query string or a cookie. */
export const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Verifies access tokens with everything pinned: the algorithm (so alg:none
 * and an HMAC made with the public key fail), the key by kid, iss, aud, and
 * typ (so a pre-auth token, signed with another key anyway, is refused by
 * type first). The token comes only from the Authorization header.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, 'access-token') {
  constructor(
    keys: KeyRing,
    config: AppConfigService,
    private readonly revocations: RevocationList,
    private readonly verified: VerifiedTokenCache,
  ) {
    const { issuer, audience } = config.app.jwt;
    super({
      jwtFromRequest: bearerToken,
      passReqToCallback: true,
      algorithms: [keys.accessAlgorithm],
      issuer,
      audience,
      ignoreExpiration: false,
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: KeyCallback) => {
        const header = readJwtHeader(rawToken);
        const key = header?.typ === ACCESS_TOKEN_TYP ? keys.accessVerifyKey(header.kid) : undefined;
        if (!key) return done(new Error('not an access token'));
        done(null, key as unknown as Buffer);
      },
    });
  }

  async validate(request: unknown, claims: Partial<AccessTokenClaims>): Promise<AuthenticatedUser | false> {
    // jsonwebtoken accepts a token without exp; an access token must expire.
    if (typeof claims.exp !== 'number' || !isIssuedId(claims.sub) || !isIssuedId(claims.jti)) return false;
    // A token without a second factor in amr is not an access token of this API, whoever signed it.
    if (!isIssuedId(claims.sid) || !Array.isArray(claims.amr)) return false;
    const amr = claims.amr.filter((value): value is string => typeof value === 'string');
    if (!amr.some((value) => SECOND_FACTOR_AMR.includes(value))) return false;
    // Logout and theft detection must bite before exp: a lookup in the
    // short-lived revocation list, not a database read per request.
    if (await this.revocations.isRevoked(claims.sid)) return false;
    // Tokens from before auth_time existed are never fresh: @RequireAuth refuses them.
    const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : 0;
    const acr = typeof claims.acr === 'string' ? claims.acr : '';
    const user = { id: claims.sub, jti: claims.jti, sid: claims.sid, authTime, amr, acr };
    const token = bearerToken(request);
    if (token) this.verified.set(token, user, claims.exp);
    return user;
  }
}
