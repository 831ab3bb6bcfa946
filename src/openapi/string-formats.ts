/**
 * Formats of the tokens the API issues, as OpenAPI schema keywords: the
 * response schemas state them, and request DTOs that accept a token back
 * validate against the same pattern.
 */

/** 32 random bytes in base64url: refresh tokens, device tokens, enrollment tickets. */
export const RANDOM_TOKEN = { pattern: '^[A-Za-z0-9_-]{43}$', minLength: 43, maxLength: 43 } as const;

/**
 * A compact JWS (header.payload.signature, base64url). Its length grows with
 * JWT_ISSUER and JWT_AUDIENCE; with any sensible values it stays far below
 * this bound (about 600 characters with the defaults).
 */
export const COMPACT_JWS = {
  pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  maxLength: 8192,
} as const;
