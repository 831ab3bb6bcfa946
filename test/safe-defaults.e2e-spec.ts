import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigError } from '../src/config/config.error';
import { defaultEnvironment } from '../src/config/env.source';
import { devCertificatePaths, ensureDevCertificates } from '../src/tls/dev-certificates';
import { HttpsClient } from './support/https-client';
import { startupEnvironment, startupError } from './support/startup';
import { RELAXED_LIMITS, removeDataDir, startTestApp, TEST_CERTS_DIR } from './support/test-app';

const REPO = join(__dirname, '..');

/** What createApp rejects with; an app it builds instead is closed, and the test fails. */
function captureLog(): { stream: Writable; lines: () => Record<string, any>[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines: () => raw.map((line) => JSON.parse(line) as Record<string, any>) };
}

describe('NODE_ENV unset: development, said in the first log line', () => {
  it.each([
    ['unset', undefined],
    ['blank', ''],
  ])('%s: the first line is a warning that says so, in words', async (_name, value) => {
    const log = captureLog();
    const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-node-env-'));
    const t = await startTestApp(
      { ...RELAXED_LIMITS, NODE_ENV: value as string, LOG_LEVEL: 'warn' },
      { dataDir: dir, logDestination: log.stream },
    );
    try {
      expect(t.config.env).toBe('development');
      expect(log.lines()[0]).toMatchObject({
        level: 'warn',
        context: 'Bootstrap',
        msg: expect.stringMatching(
          /^NODE_ENV is not set, so this is development mode: .*Set NODE_ENV=production for a deployment\.$/,
        ),
      });
    } finally {
      await t.close();
      removeDataDir(dir);
    }
  });

  it('an explicit NODE_ENV=development logs no such line', async () => {
    const log = captureLog();
    const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-node-env-'));
    const t = await startTestApp(
      { ...RELAXED_LIMITS, NODE_ENV: 'development', LOG_LEVEL: 'info' },
      { dataDir: dir, logDestination: log.stream },
    );
    try {
      expect(log.lines().length).toBeGreaterThan(0);
      expect(log.lines().filter((line) => /NODE_ENV is not set/.test(line.msg))).toEqual([]);
    } finally {
      await t.close();
      removeDataDir(dir);
    }
  });
});

describe('hard limits stop startup, naming the variable and the limit', () => {
  const base = startupEnvironment;

  it.each([
    ['TRUSTED_PROXIES', '0.0.0.0/0', /TRUSTED_PROXIES: must not contain 0\.0\.0\.0\/0 or ::\/0/],
    ['TRUSTED_PROXIES', '127.0.0.9/32,::/0', /TRUSTED_PROXIES: must not contain 0\.0\.0\.0\/0 or ::\/0/],
    ['TOTP_WINDOW', '3', /TOTP_WINDOW: must be at most 2/],
    ['PREAUTH_TTL', '901', /PREAUTH_TTL: must be at most 900 seconds/],
    ['JWT_ACCESS_TTL', '86401', /JWT_ACCESS_TTL: must be at most 86400 seconds/],
  ])('%s=%s', async (name, value, message) => {
    const error = await startupError({ ...base(), [name]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
  });
});

describe('production refuses private key files that others can read', () => {
  let dir: string;
  let prod: Record<string, string>;

  /** A copy of `file` with `mode`, whatever the umask. */
  const withMode = (file: string, name: string, mode: number): string => {
    const copy = join(dir, name);
    copyFileSync(file, copy);
    chmodSync(copy, mode);
    return copy;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-key-modes-'));
    await ensureDevCertificates(TEST_CERTS_DIR, () => undefined);
    const tls = devCertificatePaths(TEST_CERTS_DIR);
    const jwtKey = join(dir, 'jwt-es256.pem');
    writeFileSync(
      jwtKey,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    chmodSync(jwtKey, 0o600);
    prod = {
      ...(defaultEnvironment(REPO) as Record<string, string>),
      ...RELAXED_LIMITS,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      DEV_SECRETS_DIR: join(dir, 'dev-secrets'),
      CERTS_DIR: join(dir, 'dev-certs'),
      APP_SECRET: randomBytes(32).toString('base64url'),
      JWT_PRIVATE_KEY_FILE: jwtKey,
      TLS_CERT_FILE: tls.serverCert,
      TLS_KEY_FILE: withMode(tls.serverKey, 'server.key', 0o600),
      IP_ALLOWLIST: '127.0.0.0/8,::1/128',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'https://localhost:3443',
      LOG_LEVEL: 'fatal',
    };
  });
  afterAll(() => removeDataDir(dir));

  it.each([
    ['JWT_PRIVATE_KEY_FILE', '644'],
    ['JWT_PRIVATE_KEY_FILE', '640'],
    ['TLS_KEY_FILE', '644'],
    ['TLS_KEY_FILE', '604'],
  ])('%s with mode %s: refused, naming the file and chmod 600', async (variable, octal) => {
    const file = withMode(prod[variable], `open-${variable}-${octal}.pem`, parseInt(octal, 8));
    const error = await startupError({ ...prod, [variable]: file });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(
      `${variable}: the private key ${file} is accessible by group or others (mode 0${octal})`,
    );
    expect(error.message).toContain(`run chmod 600 ${file}`);
  });

  it('starts with both keys at 0400 (a Kubernetes secret volume with defaultMode: 0400) and serves', async () => {
    const t = await startTestApp(
      {
        ...prod,
        JWT_PRIVATE_KEY_FILE: withMode(prod.JWT_PRIVATE_KEY_FILE, 'jwt-0400.pem', 0o400),
        TLS_KEY_FILE: withMode(prod.TLS_KEY_FILE, 'server-0400.key', 0o400),
      },
      { dataDir: dir },
    );
    try {
      expect((await new HttpsClient(t.port, t.ca).get('/health')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('outside production, a group-readable key is still used (development machines)', async () => {
    const t = await startTestApp(
      {
        ...prod,
        NODE_ENV: 'development',
        JWT_PRIVATE_KEY_FILE: withMode(prod.JWT_PRIVATE_KEY_FILE, 'jwt-dev.pem', 0o644),
      },
      { dataDir: dir },
    );
    await t.close();
  });
});
