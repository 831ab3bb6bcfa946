import type { KeyObject } from 'node:crypto';
import { JwtSecretRequestType, JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../config/app-config';
import { readJwtHeader } from './jwt-header';
import type { KeyRing } from './key-ring';
import { ACCESS_TOKEN_TYP, PREAUTH_TOKEN_TYP, preAuthAudience } from './token-types';

/** Injection tokens: one JwtService per token kind, never one shared instance. */
export const ACCESS_JWT = Symbol('ACCESS_JWT');
export const PRE_AUTH_JWT = Symbol('PRE_AUTH_JWT');

/**
 * A JwtService with everything of one token kind pinned: its key (KeyObjects
 * parsed once, see KeyRing), algorithm, typ, issuer and audience. Signing
 * always uses the current key; verification picks the key by kid, and only
 * for a token whose header names this kind's typ, so neither kind verifies
 * as the other even if a key were ever shared by mistake.
 */
function pinnedJwtService(options: {
  algorithm: 'ES256' | 'HS256';
  typ: string;
  issuer: string;
  audience: string;
  expiresInSeconds: number;
  signingKey: KeyObject;
  kid: string;
  verifyKey: (kid: unknown) => KeyObject | undefined;
}): JwtService {
  return new JwtService({
    signOptions: {
      algorithm: options.algorithm,
      keyid: options.kid,
      header: { alg: options.algorithm, typ: options.typ },
      issuer: options.issuer,
      audience: options.audience,
      expiresIn: options.expiresInSeconds,
    },
    verifyOptions: { algorithms: [options.algorithm], issuer: options.issuer, audience: options.audience },
    secretOrKeyProvider: (requestType, tokenOrPayload) => {
      if (requestType === JwtSecretRequestType.SIGN) return options.signingKey;
      const header = typeof tokenOrPayload === 'string' ? readJwtHeader(tokenOrPayload) : null;
      const key = header?.typ === options.typ ? options.verifyKey(header.kid) : undefined;
      // jsonwebtoken refuses an empty secret: "not this kind, or an unknown kid" verifies nothing.
      return key ?? '';
    },
  });
}

export function accessJwtService(keys: KeyRing, config: AppConfig): JwtService {
  return pinnedJwtService({
    algorithm: keys.accessAlgorithm,
    typ: ACCESS_TOKEN_TYP,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    expiresInSeconds: config.jwt.accessTtlSeconds,
    signingKey: keys.accessSigningKey,
    kid: keys.accessKid,
    verifyKey: (kid) => keys.accessVerifyKey(kid),
  });
}

export function preAuthJwtService(keys: KeyRing, config: AppConfig): JwtService {
  return pinnedJwtService({
    algorithm: 'HS256',
    typ: PREAUTH_TOKEN_TYP,
    issuer: config.jwt.issuer,
    audience: preAuthAudience(config.jwt.issuer),
    expiresInSeconds: config.preAuth.ttlSeconds,
    signingKey: keys.preAuthSigningKey,
    kid: keys.preAuthKid,
    verifyKey: (kid) => keys.preAuthVerifyKey(kid),
  });
}
