/**
 * Explicit JWT types (RFC 8725 §3.11): each verifier accepts only its own
 * typ, so a pre-auth token can never be used as an access token, nor the
 * reverse, even if a key were ever shared by mistake.
 */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const PREAUTH_TOKEN_TYP = 'preauth+jwt';

/** The one answer for a pre-auth token that is spent, out of tries, or older than a credential change. */
export const STALE_PRE_AUTH = 'This pre-auth token is no longer valid; log in again';

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

interface CommonClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  amr: string[];
}

export interface PreAuthTokenClaims extends CommonClaims {
  /** The user's credential version at the password step: a credential change since then makes the token stale. */
  cv: number;
  /** The device whose token came with the password step: every attempt on this pre-auth token counts against it. */
  dev?: string;
}

export interface AccessTokenClaims extends CommonClaims {
  /** The session this token belongs to: ending the session revokes the token. */
  sid: string;
  /** When the second factor was last proven in this session (epoch seconds, OIDC Core §2). */
  auth_time: number;
  /** ACR_MFA, or ACR_PHISHING_RESISTANT when a passkey was the proof. */
  acr: string;
}

/** Password and a TOTP or recovery code. */
export const ACR_MFA = 'urn:nest-2fa-api:acr:mfa';
/** A passkey took part: an origin-bound proof a phishing site cannot relay. */
export const ACR_PHISHING_RESISTANT = 'urn:nest-2fa-api:acr:phr';

/** The acr a session's access tokens carry, from its amr: the token issuer and the session list both ask here. */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('hwk') ? ACR_PHISHING_RESISTANT : ACR_MFA;
}

/**
 * amr values (RFC 8176) that stand for a second factor: otp (TOTP or a
 * recovery code), hwk (a passkey after the password), mfa (a passkey with
 * user verification on its own). An access token carries at least one.
 */
export const SECOND_FACTOR_AMR: readonly string[] = ['otp', 'hwk', 'mfa'];

/** How a session's login was proven; kept on the session so every refresh carries it on. */
export interface SessionAuth {
  amr: string[];
  /** When the second factor was last proven (epoch ms). */
  authTime: number;
}
