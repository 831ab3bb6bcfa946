import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { IpRangeList } from '../client-address/ip-range-list';
import { parseStrictIp } from '../client-address/parse-ip';
import { ConfigError } from '../config/config.error';
import { defaultHost, loadConfig } from '../config/load-config';
import { privateKeyModeFix, privateKeyModeProblem } from '../config/private-key-file';
import { secretWeakness } from '../config/secret-strength';
import { devCaHasNameConstraints, devCertificatePaths } from '../tls/dev-certificates';

export type Severity = 'high' | 'medium' | 'low' | 'info';

export interface Finding {
  severity: Severity;
  finding: string;
  fix: string;
}

type Source = Record<string, string | undefined>;

const SEVERITY_ORDER: Severity[] = ['high', 'medium', 'low', 'info'];
const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates expiring sooner than this are reported. */
export const CERT_EXPIRY_WARNING_DAYS = 30;
/**
 * TRUSTED_PROXIES entries wider than these are reported: a reverse proxy is
 * one host or a small subnet; a /15 (v4) or a /47 (v6) is a whole network
 * whose every host could forge X-Forwarded-For.
 */
export const TRUSTED_PROXY_MIN_PREFIX = { ipv4: 16, ipv6: 48 };
/** Login and 2FA limits (per client, per minute) above which guessing is barely slowed. */
export const LOGIN_RATE_MEDIUM_PER_MINUTE = 60;
export const LOGIN_RATE_HIGH_PER_MINUTE = 1000;
export const DEFAULT_RATE_MEDIUM_PER_MINUTE = 10_000;

/**
 * The security self-check behind `npm run doctor`: reads the effective
 * configuration (the same layers as the API) and reports what weakens it.
 * Never throws: a configuration the API would refuse is itself a high
 * finding, one per problem, each naming its variable.
 */
export function runDoctor(source: Source, root = process.cwd()): Finding[] {
  const findings: Finding[] = [];
  const add = (severity: Severity, finding: string, fix: string) => findings.push({ severity, finding, fix });
  const env = trimmed(source);
  const production = env.NODE_ENV === 'production';

  try {
    loadConfig(source);
  } catch (error) {
    const problems =
      error instanceof ConfigError ? configProblems(error) : [String((error as Error)?.message ?? error)];
    for (const problem of problems) {
      add(
        'high',
        `Invalid configuration (the API refuses to startup): ${problem}`,
        `Fix the named variable; see .env.example and README "Configuration".`,
      );
    }
  }

  // A variable the API already refuses is reported once, by the config finding.
  const refused = new Set(findings.map((f) => /startup\): ([A-Z0-9_]+)/.exec(f.finding)?.[1]).filter(Boolean));
  const own: Finding[] = [];
  const addOwn: Add = (severity, finding, fix) => {
    const variable = /^([A-Z][A-Z0-9_]+)[ =]/.exec(finding)?.[1];
    if (!(variable && refused.has(variable))) own.push({ severity, finding, fix });
  };
  const checks: [string, () => void][] = [
    ['mode', () => checkMode(env, addOwn)],
    ['secrets', () => checkSecrets(env, production, root, addOwn)],
    ['jwt', () => checkJwt(env, production, root, addOwn)],
    ['key files', () => checkKeyFileModes(env, production, root, addOwn)],
    ['database files', () => checkDatabaseFiles(env, root, addOwn)],
    ['allowlist', () => checkAllowlist(env, addOwn)],
    ['proxies', () => checkTrustedProxies(env, addOwn)],
    ['rate limits', () => checkRateLimits(env, production, addOwn)],
    ['tls', () => checkTls(env, production, root, addOwn)],
    ['registration', () => checkRegistration(env, production, addOwn)],
    ['enrollment', () => checkEnrollment(env, production, addOwn)],
    ['passkeys', () => checkWebAuthn(env, production, addOwn)],
    ['shared state', () => checkSharedState(env, production, addOwn)],
    ['audit file', () => checkAuditFile(env, root, addOwn)],
  ];
  for (const [name, check] of checks) {
    try {
      check();
    } catch (error) {
      // Typically a value the config finding above already names (e.g. an unparsable CIDR list).
      if (refused.size === 0)
        add(
          'medium',
          `The ${name} check could not run: ${(error as Error)?.message ?? String(error)}`,
          'Run the doctor again after fixing the configuration above.',
        );
    }
  }
  findings.push(...own);
  return findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

export function hasHighFinding(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'high');
}

type Add = (severity: Severity, finding: string, fix: string) => void;

const LOOPBACK = IpRangeList.parse('127.0.0.0/8,::1/128', 'HOST');

function isLoopback(host: string): boolean {
  const address = parseStrictIp(host);
  return host === 'localhost' || (address !== null && LOOPBACK.contains(address));
}

function checkMode(env: Source, add: Add): void {
  if (env.NODE_ENV === 'production') return;
  const host = env.HOST ?? defaultHost(false);
  if (!env.NODE_ENV && !isLoopback(host)) {
    add(
      'high',
      `NODE_ENV is not set (so development: generated secrets, open registration, docs) and HOST=${host} is reachable from the network.`,
      'Set NODE_ENV=production for a deployment; for development, leave HOST unset (127.0.0.1).',
    );
  } else if (!isLoopback(host)) {
    add(
      'medium',
      `NODE_ENV=${env.NODE_ENV} (development checks) listens on HOST=${host}, reachable from the network.`,
      'Leave HOST unset (127.0.0.1) outside production, or set NODE_ENV=production.',
    );
  }
  add(
    'info',
    `NODE_ENV=${env.NODE_ENV ?? 'development (unset)'}: secrets may be generated dev files and production checks are relaxed.`,
    'Set NODE_ENV=production for a deployment.',
  );
}

function checkSecrets(env: Source, production: boolean, root: string, add: Add): void {
  const secret = env.APP_SECRET;
  const devDir = resolve(root, env.DEV_SECRETS_DIR ?? 'data/dev-secrets');
  if (!secret) {
    if (production)
      add(
        'high',
        'APP_SECRET is missing in production.',
        'Set APP_SECRET to 32+ random bytes, e.g. `openssl rand -base64 48`.',
      );
    else
      add(
        'low',
        `APP_SECRET is not set: a generated dev secret in ${display(devDir, root)} is used.`,
        'Set APP_SECRET from a secret store before deploying.',
      );
  } else {
    const weakness = secretWeakness(secret);
    if (weakness)
      add(
        production ? 'high' : 'medium',
        `APP_SECRET ${weakness}.`,
        'Use 32+ random bytes, e.g. `openssl rand -base64 48`.',
      );
    const devFile = join(devDir, 'app-secret');
    if (production && existsSync(devFile) && readFileSync(devFile, 'utf8').trim() === secret) {
      add(
        'high',
        `APP_SECRET in production is the generated development secret (${display(devFile, root)}).`,
        'Generate a new production secret; never reuse dev files.',
      );
    }
  }
  if (!production) {
    for (const name of ['app-secret', 'jwt-es256.pem']) {
      const file = join(devDir, name);
      const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0;
      if (mode & 0o077) {
        add(
          'high',
          `The dev secret ${display(file, root)} is accessible by group or others (mode 0${mode.toString(8)}): the API refuses to start with it.`,
          `Run chmod 600 ${file}.`,
        );
      }
    }
  }
  if (env.APP_SECRET_PREVIOUS && secretWeakness(env.APP_SECRET_PREVIOUS)) {
    add(
      'medium',
      `APP_SECRET_PREVIOUS ${secretWeakness(env.APP_SECRET_PREVIOUS)}.`,
      'Finish the rotation and remove APP_SECRET_PREVIOUS.',
    );
  } else if (env.APP_SECRET_PREVIOUS) {
    add(
      'info',
      'APP_SECRET_PREVIOUS is set: an APP_SECRET rotation is in progress.',
      'Run `npm run cli -- secrets:reseal`, then remove APP_SECRET_PREVIOUS (recovery codes issued before the rotation stop matching then).',
    );
  }
}

function checkJwt(env: Source, production: boolean, root: string, add: Add): void {
  if (env.JWT_ALGORITHM === 'HS256') {
    const secret = env.JWT_SECRET ?? '';
    if (Buffer.byteLength(secret) < 32) {
      add(
        'high',
        `JWT_ALGORITHM=HS256 with a ${Buffer.byteLength(secret)}-byte JWT_SECRET: access tokens can be forged by brute force.`,
        'Use 32+ random bytes, or JWT_ALGORITHM=ES256 with JWT_PRIVATE_KEY_FILE.',
      );
    } else if (secretWeakness(secret)) {
      add(
        production ? 'high' : 'medium',
        `JWT_SECRET ${secretWeakness(secret)}.`,
        'Use 32+ random bytes, e.g. `openssl rand -base64 48`.',
      );
    } else {
      add(
        'info',
        'JWT_ALGORITHM=HS256: every service verifying tokens holds the signing secret.',
        'Prefer ES256 (public keys at /.well-known/jwks.json).',
      );
    }
    return;
  }
  const keyFile = env.JWT_PRIVATE_KEY_FILE;
  const devDir = resolve(root, env.DEV_SECRETS_DIR ?? 'data/dev-secrets');
  if (production && keyFile && isInside(resolve(root, keyFile), devDir)) {
    add(
      'high',
      `JWT_PRIVATE_KEY_FILE in production is a generated development key (${keyFile}).`,
      'Generate a production P-256 key outside DEV_SECRETS_DIR and point JWT_PRIVATE_KEY_FILE at it.',
    );
  }
  if (keyFile && !existsSync(resolve(root, keyFile))) {
    add('high', `JWT_PRIVATE_KEY_FILE ${keyFile} does not exist.`, 'Fix the path or create the key.');
  }
}

function checkAllowlist(env: Source, add: Add): void {
  if (!env.IP_ALLOWLIST) return;
  const list = IpRangeList.parse(env.IP_ALLOWLIST, 'IP_ALLOWLIST');
  const everyone = list.entries().filter((entry) => entry.endsWith('/0'));
  if (everyone.length > 0) {
    add(
      'medium',
      `IP_ALLOWLIST lets everyone in (${everyone.join(', ')}).`,
      'List only the networks of your clients or your load balancer.',
    );
  }
}

function checkTrustedProxies(env: Source, add: Add): void {
  if (!env.TRUSTED_PROXIES) return;
  const list = IpRangeList.parse(env.TRUSTED_PROXIES, 'TRUSTED_PROXIES');
  for (const entry of list.entries()) {
    const [address, prefixText] = entry.split('/');
    const prefix = Number(prefixText);
    const v6 = address.includes(':');
    // A /0 never gets here: the API refuses it, and the config finding says so.
    if (prefix < (v6 ? TRUSTED_PROXY_MIN_PREFIX.ipv6 : TRUSTED_PROXY_MIN_PREFIX.ipv4)) {
      add(
        'medium',
        `TRUSTED_PROXIES entry ${entry} is wider than /${v6 ? TRUSTED_PROXY_MIN_PREFIX.ipv6 : TRUSTED_PROXY_MIN_PREFIX.ipv4}: every host in it may set the client address.`,
        'Narrow it to the proxies themselves.',
      );
    }
  }
}

/** The API refuses these in production (OpenSSH's rule); elsewhere it still uses them. */
function checkKeyFileModes(env: Source, production: boolean, root: string, add: Add): void {
  const files = [
    ['JWT_PRIVATE_KEY_FILE', env.JWT_ALGORITHM === 'HS256' ? undefined : env.JWT_PRIVATE_KEY_FILE],
    ['TLS_KEY_FILE', env.TLS_KEY_FILE],
  ] as const;
  for (const [variable, file] of files) {
    const path = file && resolve(root, file);
    if (!path || !existsSync(path)) continue;
    const problem = privateKeyModeProblem(statSync(path));
    if (!problem) continue;
    add(
      production ? 'high' : 'low',
      `${variable} ${file} ${problem}${production ? ': the API refuses to start with it' : '; production would refuse it'}.`,
      `${privateKeyModeFix(file)}.`,
    );
  }
}

/** Files created before the umask 077 (or copied in) can still be open to others. */
function checkDatabaseFiles(env: Source, root: string, add: Add): void {
  const url = env.DATABASE_URL ?? '';
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') return;
  const database = resolve(root, url.slice('sqlite:'.length));
  for (const path of [dirname(database), database, `${database}-wal`, `${database}-shm`]) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      add(
        'medium',
        `The SQLite ${path === dirname(database) ? 'directory' : 'file'} ${display(path, root)} is accessible by group or others (mode 0${mode.toString(8)}): password hashes and sealed TOTP secrets.`,
        `Run chmod ${path === dirname(database) ? '700' : '600'} ${path}.`,
      );
    }
  }
}

function checkRateLimits(env: Source, production: boolean, add: Add): void {
  const perMinute = (value: string | undefined) => {
    const match = /^(\d+)\/(\d+)$/.exec(value ?? '');
    return match ? (Number(match[1]) * 60) / Number(match[2]) : undefined;
  };
  for (const name of ['RATE_LIMIT_LOGIN', 'RATE_LIMIT_2FA']) {
    const rate = perMinute(env[name]);
    if (rate === undefined) continue;
    if (rate > LOGIN_RATE_HIGH_PER_MINUTE) {
      add(
        'high',
        `${name}=${env[name]} (${Math.round(rate)}/min per client): password and code guessing is effectively unlimited.`,
        `Keep it near the default 10/60; at most ${LOGIN_RATE_MEDIUM_PER_MINUTE}/60.`,
      );
    } else if (rate > LOGIN_RATE_MEDIUM_PER_MINUTE) {
      add(
        'medium',
        `${name}=${env[name]} (${Math.round(rate)}/min per client) is high for a guessing target.`,
        `Keep it at or below ${LOGIN_RATE_MEDIUM_PER_MINUTE}/60 (default 10/60).`,
      );
    }
  }
  const general = perMinute(env.RATE_LIMIT_DEFAULT);
  if (general !== undefined && general > DEFAULT_RATE_MEDIUM_PER_MINUTE) {
    add(
      'medium',
      `RATE_LIMIT_DEFAULT=${env.RATE_LIMIT_DEFAULT} (${Math.round(general)}/min per client) barely limits anything.`,
      'Lower it to what one real client needs (default 100/60).',
    );
  }
  const threshold = Number(env.LOCKOUT_THRESHOLD);
  if (Number.isFinite(threshold) && threshold > 50) {
    add(
      'medium',
      `LOCKOUT_THRESHOLD=${threshold}: that many wrong passwords or codes per account before a lock.`,
      'Keep it at 10 or so (default 10).',
    );
  }
  if (production && ['true', '1', 'yes'].includes(env.RATE_LIMIT_FAIL_OPEN ?? '')) {
    add(
      'medium',
      'RATE_LIMIT_FAIL_OPEN=true: while Redis is down, public routes are not rate limited.',
      'Leave it off unless availability matters more than throttling.',
    );
  }
}

function checkTls(env: Source, production: boolean, root: string, add: Add): void {
  const certsDir = resolve(root, env.CERTS_DIR ?? 'certs');
  const devCa = readCert(devCertificatePaths(certsDir).caCert);
  if (!env.TLS_CERT_FILE || !env.TLS_KEY_FILE) {
    if (production) return; // already a config finding
    add(
      'info',
      `TLS: development certificates from ${display(certsDir, root)} (dev CA).`,
      'Set TLS_CERT_FILE and TLS_KEY_FILE for a deployment.',
    );
    if (devCa && !devCaHasNameConstraints(devCa.raw)) {
      add(
        'medium',
        `The dev CA in ${display(certsDir, root)} has no name constraints: its key can sign a certificate for any site that clients trusting it accept.`,
        'Restart the API (it replaces the CA) or run `npm run cli -- certs:dev`, then trust the new dev-ca.crt and remove the old one.',
      );
    }
    const devServer = readCert(devCertificatePaths(certsDir).serverCert);
    if (devServer)
      checkExpiry(
        devServer,
        'the dev server certificate',
        add,
        'Run `npm run cli -- certs:dev` (or restart: it renews by itself).',
      );
    return;
  }
  const certPath = resolve(root, env.TLS_CERT_FILE);
  const keyPath = resolve(root, env.TLS_KEY_FILE);
  if (!existsSync(certPath)) {
    add('high', `TLS_CERT_FILE ${env.TLS_CERT_FILE} does not exist.`, 'Fix the path or install the certificate.');
    return;
  }
  if (!existsSync(keyPath))
    add('high', `TLS_KEY_FILE ${env.TLS_KEY_FILE} does not exist.`, 'Fix the path or install the key.');
  const cert = readCert(certPath);
  if (!cert) {
    add(
      'high',
      `TLS_CERT_FILE ${env.TLS_CERT_FILE} is not a readable PEM certificate.`,
      'Install the PEM certificate chain (leaf first).',
    );
    return;
  }
  // Compared with CERTS_DIR/dev-ca.crt: issuer name and signature.
  const fromDevCa = devCa !== undefined && cert.checkIssued(devCa) && cert.verify(devCa.publicKey);
  if (fromDevCa) {
    add(
      production ? 'high' : 'info',
      `TLS_CERT_FILE is issued by the development CA (${cert.issuer.replace(/\n/g, ', ')}).`,
      'Use a certificate from a real or internal CA in production.',
    );
  }
  checkExpiry(
    cert,
    `TLS_CERT_FILE (${cert.subject.replace(/\n/g, ', ')})`,
    add,
    'Renew the certificate and restart the API.',
  );
  if (existsSync(keyPath)) {
    try {
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyPath)))) {
        add('high', 'TLS_KEY_FILE does not match TLS_CERT_FILE.', 'Install the key of this certificate.');
      }
    } catch {
      add(
        'high',
        `TLS_KEY_FILE ${env.TLS_KEY_FILE} is not a readable PEM private key.`,
        'Install the PEM private key (unencrypted, readable by the API only).',
      );
    }
  }
}

function checkExpiry(cert: X509Certificate, what: string, add: Add, fix: string): void {
  const left = Date.parse(cert.validTo) - Date.now();
  if (left <= 0) add('high', `${what} expired on ${new Date(cert.validTo).toISOString()}.`, fix);
  else if (left < CERT_EXPIRY_WARNING_DAYS * DAY_MS) {
    add(
      'medium',
      `${what} expires in ${Math.ceil(left / DAY_MS)} days (${new Date(cert.validTo).toISOString()}).`,
      fix,
    );
  }
}

function checkRegistration(env: Source, production: boolean, add: Add): void {
  if (production && ['true', '1', 'yes'].includes(env.REGISTRATION_ENABLED ?? '')) {
    add(
      'medium',
      'REGISTRATION_ENABLED=true in production: anyone who reaches the API can create an account.',
      'Turn it off and create users with `npm run cli -- user:create`, unless self-service sign-up is intended.',
    );
  }
}

const TICKET_TTL_LONG_SECONDS = 30 * 24 * 3600;
const DEVICE_TTL_LONG_SECONDS = 365 * 24 * 3600;

function checkEnrollment(env: Source, production: boolean, add: Add): void {
  if (['false', '0', 'no'].includes(env.ENROLLMENT_TICKET_REQUIRED ?? '')) {
    add(
      production ? 'high' : 'medium',
      'ENROLLMENT_TICKET_REQUIRED=false: a password alone enrolls an authenticator on an account without one (new, or after a 2FA reset), so a phished password takes the account.',
      'Leave it at true and hand the enrollment ticket (registration, POST /auth/2fa/reset, `npm run cli -- user:enrollment-ticket`) to the user out of band.',
    );
  }
  if (Number(env.ENROLLMENT_TICKET_TTL) > TICKET_TTL_LONG_SECONDS) {
    add(
      'low',
      `ENROLLMENT_TICKET_TTL=${env.ENROLLMENT_TICKET_TTL}: an unused ticket stays valid for more than 30 days.`,
      'Keep it to days (default 604800, 7 days); issue a new one when needed.',
    );
  }
  if (Number(env.DEVICE_TOKEN_TTL) > DEVICE_TTL_LONG_SECONDS) {
    add(
      'low',
      `DEVICE_TOKEN_TTL=${env.DEVICE_TOKEN_TTL}: a device keeps its own lockout counter for more than a year without a login.`,
      'Keep it near the default 7776000 (90 days).',
    );
  }
}

/**
 * Passkeys are bound to their RP ID for good: a localhost RP ID in
 * production strands every passkey made there, and an RP ID wider than the
 * origins lets every site under that domain ask for assertions.
 */
function checkWebAuthn(env: Source, production: boolean, add: Add): void {
  if (['false', '0', 'no'].includes(env.WEBAUTHN_ENABLED ?? '')) return;
  const rpId = (env.WEBAUTHN_RP_ID ?? 'localhost').toLowerCase();
  if (production && rpId === 'localhost') {
    add(
      'high',
      'WEBAUTHN_RP_ID=localhost in production: no browser on another machine can use passkeys, and those made now can never move to the real domain.',
      "Set WEBAUTHN_RP_ID to the site's domain and WEBAUTHN_ORIGINS to its https origins before anyone registers a passkey.",
    );
  }
  const hosts = (env.WEBAUTHN_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map(hostOf);
  if (hosts.some((host) => host !== undefined && host !== rpId)) {
    add(
      'low',
      `WEBAUTHN_RP_ID=${rpId} is a parent of some WEBAUTHN_ORIGINS: passkeys are valid for every site under ${rpId}, which can then ask for assertions too.`,
      'Use the exact host as the RP ID unless sibling sites really share the passkeys.',
    );
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}

function checkSharedState(env: Source, production: boolean, add: Add): void {
  const postgres = /^postgres(ql)?:\/\//.test(env.DATABASE_URL ?? '');
  if (postgres && !env.REDIS_URL) {
    add(
      'high',
      'DATABASE_URL is PostgreSQL (several instances) but REDIS_URL is not set: each instance keeps its own rate limits, lockouts and session revocations.',
      'Set REDIS_URL (rediss:// for TLS) so instances share them; or run exactly one instance.',
    );
  }
  if (
    production &&
    env.REDIS_URL?.startsWith('redis://') &&
    !/^redis:\/\/(localhost|127\.|\[::1\])/.test(env.REDIS_URL)
  ) {
    add(
      'low',
      'REDIS_URL uses redis:// (no TLS) to another host.',
      'Use rediss:// when Redis is reached over a network.',
    );
  }
  if (
    production &&
    postgres &&
    !/sslmode=(require|verify-ca|verify-full)/.test(env.DATABASE_URL ?? '') &&
    !/@(localhost|127\.)/.test(env.DATABASE_URL ?? '')
  ) {
    add(
      'low',
      'DATABASE_URL to a remote PostgreSQL without sslmode=require/verify-full.',
      'Add ?sslmode=verify-full (or require).',
    );
  }
}

const MIB = 1024 * 1024;

/**
 * The audit set can grow to AUDIT_LOG_KEEP rotated files plus the current
 * one, each up to AUDIT_LOG_MAX_BYTES (plus one batch). A filesystem with
 * less room fills up: audit writes then fail and the instance reports not
 * ready until there is space again.
 */
function checkAuditFile(env: Source, root: string, add: Add): void {
  if (!env.AUDIT_LOG_FILE) return;
  const maxBytes = Number(env.AUDIT_LOG_MAX_BYTES ?? 100 * MIB);
  const keep = Number(env.AUDIT_LOG_KEEP ?? 10);
  const budget = (keep + 1) * maxBytes;
  let dir = dirname(resolve(root, env.AUDIT_LOG_FILE));
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  if (free < budget) {
    add(
      'medium',
      `AUDIT_LOG_FILE ${env.AUDIT_LOG_FILE}: the audit set may grow to ${Math.ceil(budget / MIB)} MiB ((AUDIT_LOG_KEEP=${keep} + 1) × AUDIT_LOG_MAX_BYTES) but its filesystem has ${Math.floor(free / MIB)} MiB free.`,
      'Give it more room, or lower AUDIT_LOG_KEEP or AUDIT_LOG_MAX_BYTES (ship rotated files off the machine); a full disk makes the instance not ready.',
    );
  }
}

function configProblems(error: ConfigError): string[] {
  return error.message
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
}

function trimmed(source: Source): Source {
  const out: Source = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

function readCert(path: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(path));
  } catch {
    return undefined;
  }
}

function isInside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/');
}

function display(path: string, root: string): string {
  const rel = relative(root, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
