/**
 * Explicit JWT types (RFC 8725 §3.11): each verifier accepts only its own
 * typ, so a pre-auth token can never be used as an access token, nor the
 * reverse, even if a key were ever shared by mistake.
 */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const PREAUTH_TOKEN_TYP = 'preauth+jwt';

const ISSUED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every id the server puts in a token (sub, sid, jti) is a randomUUID():
 * anything else was never issued here and never reaches a query (a NUL in a
 * sid made PostgreSQL fail: a 500, found by the contract fuzz with tokens
 * signed by the server's own key).
 */
export const isIssuedId = (value: unknown): value is string => typeof value === 'string' && ISSUED_ID.test(value);

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
