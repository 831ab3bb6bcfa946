import type { IpRangeList } from '../client-address/ip-range-list';

export interface RateLimit {
  limit: number;
  ttlSeconds: number;
}

/** The validated, typed configuration. Only the config module builds it. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  /** NODE_ENV was not set: development by default, which the first log line says. */
  nodeEnvUnset: boolean;
  http: { host: string; port: number; bodyLimitBytes: number };
  tls: { certFile?: string; keyFile?: string; certsDir: string };
  database: { url: string; poolSize: number };
  /** Shared short-lived state; url undefined means in-process. */
  redis: { url?: string; keyPrefix: string };
  secrets: { appSecret?: string; previousAppSecret?: string; devSecretsDir: string };
  jwt: {
    algorithm: 'ES256' | 'HS256';
    secret?: string;
    privateKeyFile?: string;
    previousPublicKeyFiles: string[];
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
  };
  preAuth: { ttlSeconds: number; maxCodeAttempts: number };
  sessions: { refreshTtlSeconds: number; idleTtlSeconds: number };
  totp: { issuer: string; window: number };
  registrationEnabled: boolean;
  /** The reference browser client at /app/ (src/web-client). */
  webClientEnabled: boolean;
  network: { trustedProxies: IpRangeList; allowlist: IpRangeList };
  rateLimit: { default: RateLimit; login: RateLimit; twoFactor: RateLimit; failOpen: boolean };
  lockout: { threshold: number; seconds: number };
  /** Enrollment tickets: the second proof before a factor is enrolled on an account without one. */
  enrollment: { ticketRequired: boolean; ticketTtlSeconds: number };
  devices: { tokenTtlSeconds: number };
  /** Passkeys: the relying party every ceremony is checked against (RP ID and origins, exactly). */
  webauthn: { enabled: boolean; rpId: string; rpName: string; origins: string[] };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'verbose';
  /** pretty: rendered for a terminal by pino-pretty; never in production. */
  logFormat: 'json' | 'pretty';
  /** Security events are also appended, hash-chained, to logFile; undefined means off. */
  audit: { logFile?: string; maxBytes: number; keep: number; queueMax: number };
  /**
   * Signed security webhooks (docs/webhooks.md); undefined means off. `key`
   * is the HMAC key, decoded from SECURITY_WEBHOOK_SECRET's whsec_ form.
   */
  securityWebhook?: {
    url: string;
    key: Buffer;
    caFile?: string;
    timeoutMs: number;
    retryBaseMs: number;
  };
}
