import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    TRUSTED_PROXIES: '10.0.0.5',
    REGISTRATION_ENABLED: 'false',
    DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
  };
}

const highs = (findings: Finding[]) => findings.filter((f) => f.severity === 'high').map((f) => f.finding);

beforeAll(async () => {
  writeFileSync(join(dir, 'jwt.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
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
    ['APP_SECRET placeholder', { APP_SECRET: 'change-me-change-me-change-me-change-me' }, /APP_SECRET: looks like a placeholder/],
    ['APP_SECRET_PREVIOUS placeholder in production', { APP_SECRET_PREVIOUS: 'change-me-0123456789abcdefghijklmnopqrstuv' }, /APP_SECRET_PREVIOUS: looks like a placeholder/],
    ['HS256 with a short secret', { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'short' }, /JWT_SECRET/],
    ['TRUSTED_PROXIES open to all', { TRUSTED_PROXIES: '0.0.0.0/0' }, /TRUSTED_PROXIES trusts every address/],
    ['login limit very high', { RATE_LIMIT_LOGIN: '5000/60' }, /RATE_LIMIT_LOGIN=5000\/60/],
    ['TLS file missing', { TLS_CERT_FILE: join(dir, 'nope.crt') }, /TLS_CERT_FILE .* does not exist/],
    ['dev CA certificate in production', { TLS_CERT_FILE: join(dir, 'dev-certs', 'server.crt'), TLS_KEY_FILE: join(dir, 'dev-certs', 'server.key') }, /issued by the development CA/],
    ['PostgreSQL without Redis', { DATABASE_URL: 'postgres://app@db.internal/app?sslmode=verify-full' }, /REDIS_URL is not set/],
    ['dev key file in production', { JWT_PRIVATE_KEY_FILE: join(dir, 'dev-secrets', 'jwt-es256.pem') }, /generated development key/],
  ])('%s → a high finding', (_name, overrides, expected) => {
    const findings = runDoctor({ ...goodProduction(), ...overrides }, ROOT);
    expect(highs(findings).some((f) => expected.test(f))).toBe(true);
    expect(hasHighFinding(findings)).toBe(true);
  });

  it('medium findings: wide proxies, open allowlist, open registration', () => {
    const findings = runDoctor(
      { ...goodProduction(), TRUSTED_PROXIES: '10.0.0.0/8,2001:db8::/32', IP_ALLOWLIST: '0.0.0.0/0,::/0', REGISTRATION_ENABLED: 'true' },
      ROOT,
    );
    const medium = findings.filter((f) => f.severity === 'medium').map((f) => f.finding).join('\n');
    expect(medium).toMatch(/TRUSTED_PROXIES entry 10\.0\.0\.0\/8/);
    expect(medium).toMatch(/TRUSTED_PROXIES entry 2001:db8::\/32/);
    expect(medium).toMatch(/IP_ALLOWLIST lets everyone in/);
    expect(medium).toMatch(/REGISTRATION_ENABLED=true/);
  });

  it('an APP_SECRET rotation in progress points to secrets:reseal (info, not a problem)', () => {
    const findings = runDoctor({ ...goodProduction(), APP_SECRET_PREVIOUS: randomBytes(48).toString('base64url') }, ROOT);
    const rotation = findings.filter((f) => /APP_SECRET_PREVIOUS is set/.test(f.finding));
    expect(rotation).toEqual([expect.objectContaining({ severity: 'info', fix: expect.stringMatching(/secrets:reseal/) })]);
    expect(runDoctor(goodProduction(), ROOT).some((f) => /APP_SECRET_PREVIOUS/.test(f.finding))).toBe(false);
  });

  it('never throws, whatever the input', () => {
    expect(() => runDoctor({ NODE_ENV: 'staging', TRUSTED_PROXIES: 'not-an-ip', RATE_LIMIT_LOGIN: 'x' }, ROOT)).not.toThrow();
    expect(hasHighFinding(runDoctor({}, ROOT))).toBe(true);
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
    expect(res.stdout).toMatch(/HIGH\s+TRUSTED_PROXIES trusts every address \(::\/0\)/);
    expect(res.stdout).toMatch(/fix: /);
  });

  it('exits 0 without a high finding', () => {
    const res = run(goodProduction());
    expect(res.stdout).not.toMatch(/^HIGH/m);
    expect(res.status).toBe(0);
  });
});
