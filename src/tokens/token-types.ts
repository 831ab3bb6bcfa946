/**
 * Explicit JWT types (RFC 8725 §3.11): each verifier accepts only its own
 * typ, so a pre-auth token can never be used as an access token, nor the
 * reverse, even if a key were ever shared by mistake.
 */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const PREAUTH_TOKEN_TYP = 'preauth+jwt';

/** Pre-auth tokens get an audience of their own, distinct from any API audience. */
export const preAuthAudience = (issuer: string): string => `${issuer}#preauth`;

export interface PreAuthTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  amr: string[];
}

export interface AccessTokenClaims extends PreAuthTokenClaims {
  /** The session this token belongs to: ending the session revokes the token. */
  sid: string;
}

/** What a verified access token tells a handler. */
export interface AuthenticatedUser {
  id: string;
  jti: string;
  sid: string;
}

/** What a verified pre-auth token tells the 2FA handlers. */
export interface PreAuthenticatedUser {
  id: string;
  jti: string;
  exp: number;
}
