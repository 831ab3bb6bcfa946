import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultEnvironment } from '../src/config/env.source';
import { type Finding, hasHighFinding, runDoctor } from '../src/doctor/doctor';
import { generateDevCertificates } from '../src/tls/dev-certificates';

const ROOT = resolve(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-doctor-'));

/** A production-like configuration the doctor should pass: real-looking secrets, TLS, narrow networks. */
function goodProduction(): Record<string, string> {
  return {
    ...(defaultEnvironment(ROOT) as Record<string, string>),
    NODE_ENV: 'production',
    APP_SECRET: randomBytes(48).toString('base64url'),
    JWT_PRIVATE_KEY_FILE: join(dir, 'jwt.pem'),
    TLS_CERT_FILE: join(dir, 'prod', 'server.crt'),
    TLS_KEY_FILE: join(dir, 'prod', 'server.key'),
    CERTS_DIR: join(dir, 'dev-certs'),
    DEV_SECRETS_DIR: join(dir, 'dev-secrets'),
    IP_ALLOWLIST: '10.0.0.0/8',
    WEBAUTHN_RP_ID: 'example.com',
    WEBAUTHN_ORIGINS: 'https://example.com',
    TRUSTED_PROXIES: '10.0.0.5',
    REGISTRATION_ENABLED: 'false',
    DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
  };
}

const highs = (findings: Finding[]) => findings.filter((f) => f.severity === 'high').map((f) => f.finding);

beforeAll(async () => {
  // 0600: production refuses a key others can read.
  writeFileSync(
    join(dir, 'jwt.pem'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 },
  );
  chmodSync(join(dir, 'jwt.pem'), 0o600);
  // Stand-in for a real certificate: issued by a separate CA, not the dev CA of CERTS_DIR.
  await generateDevCertificates(join(dir, 'prod'), () => undefined);
  await generateDevCertificates(join(dir, 'dev-certs'), () => undefined);
});

describe('doctor (as a function)', () => {
  it('a good production-like configuration: no high finding', () => {
    const findings = runDoctor(goodProduction(), ROOT);
    expect(highs(findings)).toEqual([]);
    expect(hasHighFinding(findings)).toBe(false);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['invalid value, named by the config error', { PORT: 'eighty' }, /Invalid configuration.*PORT/],
    ['APP_SECRET missing in production', { APP_SECRET: '' }, /APP_SECRET: required in production/],
    [
      'APP_SECRET placeholder',
      { APP_SECRET: 'change-me-change-me-change-me-change-me' },
      /APP_SECRET: looks like a placeholder/,
    ],
    [
      'APP_SECRET_PREVIOUS placeholder in production',
      { APP_SECRET_PREVIOUS: 'change-me-0123456789abcdefghijklmnopqrstuv' },
      /APP_SECRET_PREVIOUS: looks like a placeholder/,
    ],
    ['HS256 with a short secret', { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'short' }, /JWT_SECRET/],
    [
      'TRUSTED_PROXIES open to all',
      { TRUSTED_PROXIES: '0.0.0.0/0' },
      /refuses to startup\): TRUSTED_PROXIES: must not contain 0\.0\.0\.0\/0 or ::\/0/,
    ],
    ['TOTP_WINDOW above 2', { TOTP_WINDOW: '3' }, /refuses to startup\): TOTP_WINDOW: must be at most 2/],
    ['login limit very high', { RATE_LIMIT_LOGIN: '5000/60' }, /RATE_LIMIT_LOGIN=5000\/60/],
    ['TLS file missing', { TLS_CERT_FILE: join(dir, 'nope.crt') }, /TLS_CERT_FILE .* does not exist/],
    [
      'dev CA certificate in production',
      { TLS_CERT_FILE: join(dir, 'dev-certs', 'server.crt'), TLS_KEY_FILE: join(dir, 'dev-certs', 'server.key') },
      /issued by the development CA/,
    ],
    [
      'PostgreSQL without Redis',
      { DATABASE_URL: 'postgres://app@db.internal/app?sslmode=verify-full' },
      /REDIS_URL is not set/,
    ],
    [
      'dev key file in production',
      { JWT_PRIVATE_KEY_FILE: join(dir, 'dev-secrets', 'jwt-es256.pem') },
      /generated development key/,
    ],
    [
      'enrollment without a ticket',
      { ENROLLMENT_TICKET_REQUIRED: 'false' },
      /ENROLLMENT_TICKET_REQUIRED=false: a password alone enrolls/,
    ],
    [
      'passkeys bound to localhost in production',
      { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: 'https://localhost' },
      /WEBAUTHN_RP_ID=localhost in production/,
    ],
  ])('%s → a high finding', (_name, overrides, expected) => {
    const findings = runDoctor({ ...goodProduction(), ...overrides }, ROOT);
    expect(highs(findings).some((f) => expected.test(f))).toBe(true);
    expect(hasHighFinding(findings)).toBe(true);
  });

  it('medium findings: wide proxies, open allowlist, open registration', () => {
    const findings = runDoctor(
      {
        ...goodProduction(),
        TRUSTED_PROXIES: '10.0.0.0/8,2001:db8::/32',
        IP_ALLOWLIST: '0.0.0.0/0,::/0',
        REGISTRATION_ENABLED: 'true',
      },
      ROOT,
    );
    const medium = findings
      .filter((f) => f.severity === 'medium')
      .map((f) => f.finding)
      .join('\n');
    expect(medium).toMatch(/TRUSTED_PROXIES entry 10\.0\.0\.0\/8/);
    expect(medium).toMatch(/TRUSTED_PROXIES entry 2001:db8::\/32/);
    expect(medium).toMatch(/IP_ALLOWLIST lets everyone in/);
    expect(medium).toMatch(/REGISTRATION_ENABLED=true/);
  });

  it('an RP ID wider than the origins is a low finding; passkeys switched off are none', () => {
    const wide = runDoctor({ ...goodProduction(), WEBAUTHN_ORIGINS: 'https://app.example.com' }, ROOT);
    expect(wide.filter((f) => f.severity === 'low').map((f) => f.finding)).toContainEqual(
      expect.stringMatching(/WEBAUTHN_RP_ID=example.com is a parent/),
    );
    const off = runDoctor({ ...goodProduction(), WEBAUTHN_ENABLED: 'false', WEBAUTHN_RP_ID: 'localhost' }, ROOT);
    expect(off.some((f) => /WEBAUTHN/.test(f.finding))).toBe(false);
  });

  it('long-lived enrollment tickets and device tokens are low findings; the defaults are none', () => {
    const findings = runDoctor(
      {
        ...goodProduction(),
        ENROLLMENT_TICKET_TTL: String(60 * 24 * 3600),
        DEVICE_TOKEN_TTL: String(2 * 365 * 24 * 3600),
      },
      ROOT,
    );
    const low = findings
      .filter((f) => f.severity === 'low')
      .map((f) => f.finding)
      .join('\n');
    expect(low).toMatch(/ENROLLMENT_TICKET_TTL=5184000/);
    expect(low).toMatch(/DEVICE_TOKEN_TTL=63072000/);
    expect(runDoctor(goodProduction(), ROOT).some((f) => /ENROLLMENT_TICKET|DEVICE_TOKEN/.test(f.finding))).toBe(false);
  });

  it('an APP_SECRET rotation in progress points to secrets:reseal (info, not a problem)', () => {
    const findings = runDoctor(
      { ...goodProduction(), APP_SECRET_PREVIOUS: randomBytes(48).toString('base64url') },
      ROOT,
    );
    const rotation = findings.filter((f) => /APP_SECRET_PREVIOUS is set/.test(f.finding));
    expect(rotation).toEqual([
      expect.objectContaining({ severity: 'info', fix: expect.stringMatching(/secrets:reseal/) }),
    ]);
    expect(runDoctor(goodProduction(), ROOT).some((f) => /APP_SECRET_PREVIOUS/.test(f.finding))).toBe(false);
  });

  it('an audit set that cannot fit on its filesystem is a medium finding', () => {
    const audit = {
      AUDIT_LOG_FILE: join(dir, 'audit', 'security.log'),
      AUDIT_LOG_KEEP: '1000',
      AUDIT_LOG_MAX_BYTES: String(2 ** 40),
    };
    const findings = runDoctor({ ...goodProduction(), ...audit }, ROOT);
    expect(findings.filter((f) => /AUDIT_LOG_FILE .* may grow to/.test(f.finding))).toEqual([
      expect.objectContaining({ severity: 'medium' }),
    ]);
    const small = runDoctor({ ...goodProduction(), ...audit, AUDIT_LOG_KEEP: '1', AUDIT_LOG_MAX_BYTES: '4096' }, ROOT);
    expect(small.some((f) => /AUDIT_LOG_FILE/.test(f.finding))).toBe(false);
  });

  it('never throws, whatever the input', () => {
    expect(() =>
      runDoctor({ NODE_ENV: 'staging', TRUSTED_PROXIES: 'not-an-ip', RATE_LIMIT_LOGIN: 'x' }, ROOT),
    ).not.toThrow();
    expect(hasHighFinding(runDoctor({}, ROOT))).toBe(true);
  });
});

describe('doctor: safe defaults and file modes', () => {
  /** A checkout with nothing generated yet: relative paths of the defaults resolve under it. */
  const fresh = () => mkdtempSync(join(tmpdir(), 'nest-2fa-api-doctor-fresh-'));
  const defaults = () => defaultEnvironment(ROOT) as Record<string, string>;
  const find = (findings: Finding[], pattern: RegExp) => findings.filter((f) => pattern.test(f.finding));

  it('a default development setup (no .env, NODE_ENV unset): no high finding', () => {
    const findings = runDoctor(defaults(), fresh());
    expect(highs(findings)).toEqual([]);
    expect(find(findings, /NODE_ENV=development \(unset\)/)).toEqual([expect.objectContaining({ severity: 'info' })]);
  });

  it.each(['0.0.0.0', '::', '10.0.0.20'])('NODE_ENV unset with HOST=%s: high', (host) => {
    const findings = runDoctor({ ...defaults(), HOST: host }, fresh());
    expect(find(findings, /^NODE_ENV is not set/)).toEqual([
      expect.objectContaining({
        severity: 'high',
        finding: expect.stringContaining(`HOST=${host} is reachable from the network`),
      }),
    ]);
  });

  it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])(
    'NODE_ENV unset with the loopback HOST=%s: no high finding',
    (host) => {
      expect(highs(runDoctor({ ...defaults(), HOST: host }, fresh()))).toEqual([]);
    },
  );

  it('NODE_ENV=development set on purpose with HOST=0.0.0.0: medium, not high', () => {
    const findings = runDoctor({ ...defaults(), NODE_ENV: 'development', HOST: '0.0.0.0' }, fresh());
    expect(highs(findings)).toEqual([]);
    expect(find(findings, /listens on HOST=0\.0\.0\.0/)).toEqual([expect.objectContaining({ severity: 'medium' })]);
  });

  it.each(['JWT_PRIVATE_KEY_FILE', 'TLS_KEY_FILE'])(
    'a %s others can read: high in production, with chmod 600 as the fix',
    (variable) => {
      const prod = goodProduction();
      const file = join(dir, `open-${variable}.pem`);
      copyFileSync(prod[variable], file);
      chmodSync(file, 0o644);
      const findings = runDoctor({ ...prod, [variable]: file }, ROOT);
      expect(find(findings, new RegExp(`^${variable} `))).toEqual([
        expect.objectContaining({
          severity: 'high',
          finding: expect.stringContaining('(mode 0644)'),
          fix: expect.stringContaining(`chmod 600 ${file}`),
        }),
      ]);
    },
  );

  it('a dev secret others can read: high (the API refuses it)', () => {
    const root = fresh();
    mkdirSync(join(root, 'data', 'dev-secrets'), { recursive: true });
    writeFileSync(join(root, 'data', 'dev-secrets', 'app-secret'), `${randomBytes(32).toString('base64url')}\n`);
    chmodSync(join(root, 'data', 'dev-secrets', 'app-secret'), 0o640);
    expect(highs(runDoctor(defaults(), root))).toEqual([
      expect.stringMatching(/dev secret .*app-secret is accessible by group or others \(mode 0640\)/),
    ]);
  });

  it('a SQLite database others can read: medium', () => {
    const root = fresh();
    mkdirSync(join(root, 'data'), { mode: 0o755 });
    chmodSync(join(root, 'data'), 0o755);
    writeFileSync(join(root, 'data', 'app.db'), '');
    chmodSync(join(root, 'data', 'app.db'), 0o644);
    const findings = find(runDoctor(defaults(), root), /^The SQLite/);
    expect(findings.map((f) => [f.severity, f.fix])).toEqual([
      ['medium', `Run chmod 700 ${join(root, 'data')}.`],
      ['medium', `Run chmod 600 ${join(root, 'data', 'app.db')}.`],
    ]);
  });

  it('a dev CA without name constraints: medium, restart to replace it', async () => {
    const root = fresh();
    const certs = join(root, 'certs');
    await generateDevCertificates(certs, () => undefined);
    expect(find(runDoctor(defaults(), root), /no name constraints/)).toEqual([]);
    // An older dev CA, without the extension (any self-signed CA certificate will do).
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=old dev CA',
        '-keyout',
        join(root, 'old.key'),
        '-out',
        join(certs, 'dev-ca.crt'),
        '-days',
        '365',
      ],
      { encoding: 'utf8' },
    );
    expect(made.status).toBe(0);
    expect(find(runDoctor(defaults(), root), /no name constraints/)).toEqual([
      expect.objectContaining({ severity: 'medium' }),
    ]);
  });
});

describe('doctor (as a process: npm run doctor)', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', './test/support/swc-register.js', 'src/doctor/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 1 and prints the high finding for a bad configuration', () => {
    const res = run({ ...goodProduction(), TRUSTED_PROXIES: '::/0' });
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(
      /HIGH\s+Invalid configuration[^]*TRUSTED_PROXIES:\s+must\s+not\s+contain\s+0\.0\.0\.0\/0\s+or\s+::\/0/,
    );
    expect(res.stdout).toMatch(/fix: /);
  });

  it('exits 0 without a high finding', () => {
    const res = run(goodProduction());
    expect(res.stdout).not.toMatch(/^HIGH/m);
    expect(res.status).toBe(0);
  });
});
