import { z } from 'zod';

/**
 * The one schema for every environment variable the API reads. Each entry
 * carries a one-line description; docs/configuration.md's table mirrors it
 * (src/docs.spec.ts checks that every key is there and in .env.example).
 * Defaults for non-secret values live in config/defaults.env, so this schema
 * only states what a value must look like.
 */
const seconds = (description: string) =>
  z.coerce
    .number()
    .int()
    .positive()
    .max(10 * 365 * 24 * 3600)
    .describe(description);

/** A lifetime with a hard ceiling: beyond it a stolen token or a guessed code is worth too much. */
const limitedSeconds = (description: string, limit: number, why: string) =>
  z.coerce.number().int().positive().max(limit, `must be at most ${limit} seconds (${why})`).describe(description);

const optionalText = (description: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value))
    .describe(description);

/**
 * A claim every access token carries (iss, aud): bounded, since it travels in
 * every token, so in every request's Authorization header, and without control
 * characters, which no identifier needs.
 */
const tokenClaim = (description: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .regex(/^\P{Cc}+$/u, 'no control characters')
    .describe(description);

const rate = (description: string) =>
  z
    .string()
    .regex(/^\d{1,9}\/\d{1,7}$/, 'expected N/S, e.g. 100/60 (N requests per S seconds)')
    .transform((value) => {
      const [limit, ttlSeconds] = value.split('/').map(Number);
      return { limit, ttlSeconds };
    })
    .refine((r) => r.limit > 0 && r.ttlSeconds > 0, 'both N and S must be greater than 0')
    .describe(description);

const bool = (description: string) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : ['true', '1', 'yes'].includes(value)))
    .describe(description);

export const envSchema = z.object({
  // Blank counts as unset (`NODE_ENV=` in a .env file): development, said so in the first log line.
  NODE_ENV: z
    .preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
      z.enum(['development', 'production', 'test']).optional(),
    )
    .describe('development, test or production; unset means development; production refuses weak or missing secrets'),
  HOST: optionalText('address to listen on (unset: 127.0.0.1, in production 0.0.0.0)'),
  PORT: z.coerce.number().int().min(0).max(65535).describe('HTTPS port'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:<path> or postgres://…')
    .describe('sqlite:<path> (default) or postgres://user:pass@host/db'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).describe('PostgreSQL connection pool size per instance'),
  REDIS_URL: optionalText('redis://… or rediss://… (TLS): share short-lived state between instances').refine(
    (value) => value === undefined || /^rediss?:\/\/.+/.test(value),
    'expected redis://… or rediss://…',
  ),
  REDIS_KEY_PREFIX: z.string().max(64).describe('prefix of every Redis key, to share one Redis between deployments'),
  APP_SECRET: optionalText('root secret (≥ 32 bytes) for the pre-auth key and TOTP encryption'),
  APP_SECRET_PREVIOUS: optionalText('the APP_SECRET before a rotation, still accepted for reading'),
  JWT_ALGORITHM: z.enum(['ES256', 'HS256']).describe('access-token algorithm'),
  JWT_SECRET: optionalText('HS256 access-token secret (≥ 32 bytes), only with JWT_ALGORITHM=HS256'),
  JWT_PRIVATE_KEY_FILE: optionalText('PEM file of the ES256 (P-256) signing key'),
  JWT_PREVIOUS_PUBLIC_KEY_FILES: optionalText(
    'comma-separated PEM files of earlier ES256 public keys, still accepted during a rotation',
  ),
  JWT_ISSUER: tokenClaim('iss claim of access tokens (at most 256 characters)'),
  JWT_AUDIENCE: tokenClaim('aud claim of access tokens (at most 256 characters)'),
  JWT_ACCESS_TTL: limitedSeconds(
    'access-token lifetime in seconds',
    86_400,
    'one day; a stolen access token lives that long',
  ),
  PREAUTH_TTL: limitedSeconds(
    'pre-auth token lifetime in seconds',
    900,
    '15 minutes; a stolen password opens a code-guessing window that long',
  ),
  REFRESH_TTL: seconds('absolute session (refresh token family) lifetime in seconds'),
  SESSION_IDLE_TTL: seconds('a session without a refresh for this many seconds ends'),
  TOTP_ISSUER: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^:]+$/, 'must not contain ":"')
    .describe('issuer shown in authenticator apps'),
  TOTP_WINDOW: z.coerce
    .number()
    .int()
    .min(0)
    .max(2, 'must be at most 2 (each extra step accepts more codes, and a guessed code more often)')
    .describe('accepted TOTP steps either side of now'),
  TLS_CERT_FILE: optionalText('PEM certificate chain (required in production)'),
  TLS_KEY_FILE: optionalText('PEM private key of the certificate (required in production)'),
  CERTS_DIR: z.string().min(1).describe('where dev certificates are generated'),
  DEV_SECRETS_DIR: z.string().min(1).describe('outside production: where generated dev secrets are kept (git-ignored)'),
  REGISTRATION_ENABLED: bool('POST /auth/register on or off (default: on outside production)'),
  WEB_CLIENT_ENABLED: bool('the reference web client at /app/ on or off (default: on outside production)'),
  TRUSTED_PROXIES: z.string().describe('CIDRs of reverse proxies whose X-Forwarded-For is trusted'),
  IP_ALLOWLIST: optionalText('CIDRs allowed to reach the API (required in production)'),
  RATE_LIMIT_DEFAULT: rate('every route, per client address'),
  RATE_LIMIT_LOGIN: rate('POST /auth/login and /auth/register, per client address'),
  RATE_LIMIT_2FA: rate('the /auth/2fa/* routes, per client address'),
  RATE_LIMIT_FAIL_OPEN: bool('when Redis is down, let requests through un-throttled instead of 503'),
  LOCKOUT_THRESHOLD: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe('consecutive failed attempts per account before it is locked'),
  LOCKOUT_SECONDS: seconds('how long a locked account is refused'),
  ENROLLMENT_TICKET_REQUIRED: bool(
    'enrolling a second factor needs an enrollment ticket besides the password (default true; false only for trials)',
  ),
  ENROLLMENT_TICKET_TTL: seconds('lifetime of an enrollment ticket in seconds'),
  DEVICE_TOKEN_TTL: seconds('a device token lives this many seconds after the last full login from that device'),
  WEBAUTHN_ENABLED: bool('passkeys (WebAuthn) as a second factor and for passwordless login (default true)'),
  WEBAUTHN_RP_ID: optionalText(
    'WebAuthn relying-party id: the domain passkeys are bound to (default localhost; required in production)',
  ),
  WEBAUTHN_RP_NAME: optionalText('name shown by the authenticator when a passkey is created (default TOTP_ISSUER)'),
  WEBAUTHN_ORIGINS: optionalText(
    'comma-separated origins allowed to run a ceremony, e.g. https://app.example.com (default https://localhost:PORT; required in production)',
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']).describe('log verbosity'),
  LOG_FORMAT: z
    .enum(['json', 'pretty', ''])
    .optional()
    .transform((value) => value || undefined)
    .describe('json (one line per entry) or pretty (for people); unset: pretty outside production, json in production'),
  AUDIT_LOG_FILE: optionalText('append security events to this file too, one hash-chained JSON line each (empty: off)'),
  AUDIT_LOG_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(2 ** 40)
    .describe('AUDIT_LOG_FILE rotates to <name>.1 before it would grow past this many bytes'),
  AUDIT_LOG_KEEP: z.coerce.number().int().min(1).max(1000).describe('rotated audit files kept (<name>.1 … <name>.N)'),
  AUDIT_QUEUE_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .describe('audit events waiting for the file beyond this: /health/ready says not ready'),
  SECURITY_WEBHOOK_URL: optionalText(
    'https:// URL that receives signed security webhooks (new-device login, account changes); empty: off',
  ),
  SECURITY_WEBHOOK_SECRET: optionalText(
    'signing secret of the security webhooks, whsec_<base64 of at least 32 random bytes>; required with SECURITY_WEBHOOK_URL',
  ),
  SECURITY_WEBHOOK_CA_FILE: optionalText(
    'PEM file of a CA to trust (besides the system roots) for a receiver with a private certificate',
  ),
  SECURITY_WEBHOOK_TIMEOUT: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .describe('seconds one delivery attempt may take before it counts as failed'),
  SECURITY_WEBHOOK_RETRY_BASE_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(600_000)
    .describe(
      'first retry delay in milliseconds; each retry doubles it (jittered, at most an hour) for up to 24 hours',
    ),
});

export type Env = z.infer<typeof envSchema>;
