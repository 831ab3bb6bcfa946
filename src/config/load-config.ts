import { IpRangeList } from '../client-address/ip-range-list';
import type { AppConfig } from './app-config';
import { ConfigError, type ConfigProblem } from './config.error';
import { envSchema } from './env.schema';
import { secretWeakness } from './secret-strength';

type Source = Record<string, string | undefined>;

/** JSON bodies above this size are refused with 413 before any handler runs. */
const BODY_LIMIT_BYTES = 16 * 1024;
/** A pre-auth token dies after this many wrong codes, even for the right one. */
const PREAUTH_MAX_CODE_ATTEMPTS = 5;
const DEV_ALLOWLIST = '127.0.0.0/8,::1/128';

/**
 * HOST when unset: a development server (generated secrets, open
 * registration, docs UI) stays on this machine unless someone asks for more;
 * production listens on every interface, behind IP_ALLOWLIST.
 */
export function defaultHost(isProduction: boolean): string {
  return isProduction ? '0.0.0.0' : '127.0.0.1';
}

/**
 * Validates the environment once, at startup. Every problem is collected and
 * reported together, each naming its variable, so an operator fixes them in
 * one go instead of one restart per mistake.
 */
export function loadConfig(source: Source): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: issue.path.join('.'), message: issue.message })),
    );
  }
  const env = parsed.data;
  const problems: ConfigProblem[] = [];
  const refuse = (variable: string, message: string) => problems.push({ variable, message });
  const nodeEnv = env.NODE_ENV ?? 'development';
  const isProduction = nodeEnv === 'production';

  const ranges = (value: string, name: string): IpRangeList => {
    try {
      return IpRangeList.parse(value, name);
    } catch (error) {
      // IpRangeList names the variable at the start of its message.
      refuse(name, (error as Error).message.replace(`${name}: `, ''));
      return IpRangeList.parse('', name);
    }
  };
  const trustedProxies = ranges(env.TRUSTED_PROXIES, 'TRUSTED_PROXIES');
  // Entries are canonical, so ::ffff:0.0.0.0/96 is caught as 0.0.0.0/0 too.
  // Trusting every peer as a proxy lets any client write its own address.
  const everyone = trustedProxies.entries().filter((entry) => entry.endsWith('/0'));
  if (everyone.length > 0) {
    refuse(
      'TRUSTED_PROXIES',
      `must not contain 0.0.0.0/0 or ::/0 (found ${everyone.join(', ')}): any client could forge ` +
        'X-Forwarded-For and escape the allowlist and rate limits; list only your reverse proxies',
    );
  }
  const allowlist = ranges(env.IP_ALLOWLIST ?? (isProduction ? '' : DEV_ALLOWLIST), 'IP_ALLOWLIST');

  if (env.JWT_ALGORITHM === 'HS256') {
    if (!env.JWT_SECRET) refuse('JWT_SECRET', 'required when JWT_ALGORITHM=HS256');
    else if (Buffer.byteLength(env.JWT_SECRET) < 32) refuse('JWT_SECRET', 'must be at least 32 bytes');
    if (env.JWT_SECRET && env.JWT_SECRET === env.APP_SECRET) refuse('JWT_SECRET', 'must differ from APP_SECRET');
  }

  if (isProduction) {
    if (!env.APP_SECRET) refuse('APP_SECRET', 'required in production');
    else {
      const weakness = secretWeakness(env.APP_SECRET);
      if (weakness) refuse('APP_SECRET', weakness);
    }
    if (env.JWT_ALGORITHM === 'HS256' && env.JWT_SECRET) {
      const weakness = secretWeakness(env.JWT_SECRET);
      if (weakness) refuse('JWT_SECRET', weakness);
    }
    if (env.JWT_ALGORITHM === 'ES256' && !env.JWT_PRIVATE_KEY_FILE)
      refuse('JWT_PRIVATE_KEY_FILE', 'required in production with JWT_ALGORITHM=ES256');
    if (!env.TLS_CERT_FILE) refuse('TLS_CERT_FILE', 'required in production');
    if (!env.TLS_KEY_FILE) refuse('TLS_KEY_FILE', 'required in production');
    if (!env.IP_ALLOWLIST) refuse('IP_ALLOWLIST', 'required in production (allow everyone with 0.0.0.0/0,::/0)');
  } else if (env.APP_SECRET && Buffer.byteLength(env.APP_SECRET) < 32) {
    refuse('APP_SECRET', 'must be at least 32 bytes');
  }
  if (env.APP_SECRET_PREVIOUS) {
    // It still opens TOTP secrets and matches recovery codes: as worth guarding as APP_SECRET.
    const weakness = isProduction ? secretWeakness(env.APP_SECRET_PREVIOUS) : null;
    if (weakness) refuse('APP_SECRET_PREVIOUS', weakness);
    else if (Buffer.byteLength(env.APP_SECRET_PREVIOUS) < 32)
      refuse('APP_SECRET_PREVIOUS', 'must be at least 32 bytes');
    if (env.APP_SECRET_PREVIOUS === env.APP_SECRET) refuse('APP_SECRET_PREVIOUS', 'must differ from APP_SECRET');
  }
  if (isProduction && env.LOG_FORMAT === 'pretty') {
    // Log collectors and alerts parse the JSON lines, security events included; a pretty line is noise to them.
    refuse('LOG_FORMAT', 'pretty is refused in production (collectors and alerts parse JSON lines); use json');
  }
  const webauthn = webauthnConfig(env, isProduction, refuse);
  const securityWebhook = securityWebhookConfig(env, isProduction, refuse);
  if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE))
    refuse('TLS_CERT_FILE, TLS_KEY_FILE', 'set both or neither');

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: nodeEnv,
    isProduction,
    nodeEnvUnset: env.NODE_ENV === undefined,
    http: { host: env.HOST ?? defaultHost(isProduction), port: env.PORT, bodyLimitBytes: BODY_LIMIT_BYTES },
    tls: { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, certsDir: env.CERTS_DIR },
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    secrets: {
      appSecret: env.APP_SECRET,
      previousAppSecret: env.APP_SECRET_PREVIOUS,
      devSecretsDir: env.DEV_SECRETS_DIR,
    },
    jwt: {
      algorithm: env.JWT_ALGORITHM,
      secret: env.JWT_SECRET,
      privateKeyFile: env.JWT_PRIVATE_KEY_FILE,
      previousPublicKeyFiles: (env.JWT_PREVIOUS_PUBLIC_KEY_FILES ?? '')
        .split(',')
        .map((file) => file.trim())
        .filter(Boolean),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.JWT_ACCESS_TTL,
    },
    preAuth: { ttlSeconds: env.PREAUTH_TTL, maxCodeAttempts: PREAUTH_MAX_CODE_ATTEMPTS },
    sessions: { refreshTtlSeconds: env.REFRESH_TTL, idleTtlSeconds: env.SESSION_IDLE_TTL },
    totp: { issuer: env.TOTP_ISSUER, window: env.TOTP_WINDOW },
    registrationEnabled: env.REGISTRATION_ENABLED ?? !isProduction,
    webClientEnabled: env.WEB_CLIENT_ENABLED ?? !isProduction,
    network: { trustedProxies, allowlist },
    rateLimit: {
      default: env.RATE_LIMIT_DEFAULT,
      login: env.RATE_LIMIT_LOGIN,
      twoFactor: env.RATE_LIMIT_2FA,
      failOpen: env.RATE_LIMIT_FAIL_OPEN ?? false,
    },
    lockout: { threshold: env.LOCKOUT_THRESHOLD, seconds: env.LOCKOUT_SECONDS },
    enrollment: { ticketRequired: env.ENROLLMENT_TICKET_REQUIRED ?? true, ticketTtlSeconds: env.ENROLLMENT_TICKET_TTL },
    devices: { tokenTtlSeconds: env.DEVICE_TOKEN_TTL },
    webauthn,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? (isProduction ? 'json' : 'pretty'),
    audit: {
      logFile: env.AUDIT_LOG_FILE,
      maxBytes: env.AUDIT_LOG_MAX_BYTES,
      keep: env.AUDIT_LOG_KEEP,
      queueMax: env.AUDIT_QUEUE_MAX,
    },
    securityWebhook,
  };
}

/**
 * The relying party of passkey ceremonies. A passkey is bound to its RP ID
 * for good, so production states it rather than inheriting a development
 * default; every origin must be https and lie within the RP ID's domain, or
 * no browser would ever produce a usable assertion for it.
 */
function webauthnConfig(
  env: ReturnType<typeof envSchema.parse>,
  isProduction: boolean,
  refuse: (variable: string, message: string) => void,
): AppConfig['webauthn'] {
  const enabled = env.WEBAUTHN_ENABLED ?? true;
  if (enabled && isProduction) {
    if (!env.WEBAUTHN_RP_ID) refuse('WEBAUTHN_RP_ID', 'required in production with WEBAUTHN_ENABLED=true');
    if (!env.WEBAUTHN_ORIGINS) refuse('WEBAUTHN_ORIGINS', 'required in production with WEBAUTHN_ENABLED=true');
  }
  const rpId = (env.WEBAUTHN_RP_ID ?? 'localhost').toLowerCase();
  const origins = (env.WEBAUTHN_ORIGINS ?? `https://localhost:${env.PORT}`)
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  const rpName = env.WEBAUTHN_RP_NAME ?? env.TOTP_ISSUER;
  // Switched off, nothing is checked against them: leftovers do not stop the API.
  if (!enabled) return { enabled, rpId, rpName, origins };
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId)) {
    refuse('WEBAUTHN_RP_ID', 'expected a domain name (no scheme, port or path), e.g. example.com');
  }
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:' || url.origin !== origin) {
      refuse('WEBAUTHN_ORIGINS', `${origin} is not an https origin (scheme, host and optional port only)`);
    } else if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
      refuse('WEBAUTHN_ORIGINS', `${origin} is outside WEBAUTHN_RP_ID ${rpId}`);
    }
  }
  return { enabled, rpId, rpName, origins };
}

/** What comes after `whsec_`: standard base64, as the Standard Webhooks libraries decode it. */
const WEBHOOK_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/**
 * The security webhook. https only, in every environment: the body names a
 * user, an address and what happened to the account, and a signature does
 * not hide that from the network. The key is the HMAC-SHA256 key size at
 * least, and in production held to the rules of the other secrets.
 */
function securityWebhookConfig(
  env: ReturnType<typeof envSchema.parse>,
  isProduction: boolean,
  refuse: (variable: string, message: string) => void,
): AppConfig['securityWebhook'] {
  const url = env.SECURITY_WEBHOOK_URL;
  const secret = env.SECURITY_WEBHOOK_SECRET;
  if (!url) {
    if (secret || env.SECURITY_WEBHOOK_CA_FILE)
      refuse('SECURITY_WEBHOOK_URL', 'required with SECURITY_WEBHOOK_SECRET or SECURITY_WEBHOOK_CA_FILE');
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== 'https:')
    refuse('SECURITY_WEBHOOK_URL', 'must be an https:// URL (http would show every event to the network)');
  else if (parsed.username || parsed.password)
    refuse('SECURITY_WEBHOOK_URL', 'must not carry credentials; the signature authenticates the sender');
  if (!secret) {
    refuse('SECURITY_WEBHOOK_SECRET', 'required with SECURITY_WEBHOOK_URL');
    return undefined;
  }
  const match = WEBHOOK_SECRET.exec(secret);
  if (!match) {
    refuse('SECURITY_WEBHOOK_SECRET', 'expected whsec_<base64>, e.g. whsec_$(openssl rand -base64 32)');
    return undefined;
  }
  const key = Buffer.from(match[1], 'base64');
  if (key.length < 32) {
    refuse('SECURITY_WEBHOOK_SECRET', 'must hold at least 32 bytes of key (the base64 after whsec_)');
    return undefined;
  }
  const weakness = isProduction ? secretWeakness(match[1]) : null;
  if (weakness) refuse('SECURITY_WEBHOOK_SECRET', weakness);
  return {
    url,
    key,
    caFile: env.SECURITY_WEBHOOK_CA_FILE,
    timeoutMs: env.SECURITY_WEBHOOK_TIMEOUT * 1000,
    retryBaseMs: env.SECURITY_WEBHOOK_RETRY_BASE_MS,
  };
}
