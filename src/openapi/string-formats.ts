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

/** An id the API issued (randomUUID): users, sessions, devices, passkeys. */
export const UUID = { format: 'uuid', minLength: 36, maxLength: 36 } as const;

/** A time as Date.toISOString() writes it: ISO 8601 in UTC, milliseconds included. */
export const ISO_DATE_TIME = { format: 'date-time', maxLength: 24 } as const;
