import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/config/config.error';
import { defaultEnvironment } from '../src/config/env.source';
import { devCertificatePaths, ensureDevCertificates } from '../src/tls/dev-certificates';
import { expectError } from './support/expect-error';
import { enrolledUser, login, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { HttpsClient, type Response } from './support/https-client';
import { startupEnvironment, startupError } from './support/startup';
import {
  RELAXED_LIMITS,
  removeDataDir,
  startTestApp,
  TEST_CERTS_DIR,
  useTestApp,
  withTestApp,
  type TestApp,
} from './support/test-app';
import { freshCode } from './support/totp';

const REPO = join(__dirname, '..');

/** The 404 of a POST route that does not exist. */
function expectNotFound(res: Response, path: string): void {
  expectError(res, 404, `Cannot POST ${path}`);
}

/**
 * The files a production start needs besides APP_SECRET, as settings: the
 * dev TLS certificate (which the test clients trust) and a new ES256 signing
 * key written to `dir`.
 */
async function productionKeyFiles(dir: string): Promise<Record<string, string>> {
  await ensureDevCertificates(TEST_CERTS_DIR, () => undefined);
  const tls = devCertificatePaths(TEST_CERTS_DIR);
  const keyFile = join(dir, 'jwt-es256.pem');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { JWT_PRIVATE_KEY_FILE: keyFile, TLS_CERT_FILE: tls.serverCert, TLS_KEY_FILE: tls.serverKey };
}

/** What createApp rejects with; an app it builds instead is closed, and the test fails. */
describe('restart', () => {
  const overrides = { ...RELAXED_LIMITS };
  let dataDir: string;
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
    if (dataDir) removeDataDir(dataDir);
  });

  it('keeps users, their TOTP secrets, the signing key and the generated dev secrets', async () => {
    t = await startTestApp(overrides);
    dataDir = t.dataDir;
    const user = await enrolledUser(new HttpsClient(t.port, t.ca));
    const secretsDir = join(dataDir, 'secrets');
    const files = ['app-secret', 'jwt-es256.pem'];
    const snapshot = () =>
      files.map((name) => ({
        text: readFileSync(join(secretsDir, name), 'utf8'),
        ino: statSync(join(secretsDir, name)).ino,
      }));
    const before = snapshot();
    expect(before[0].text.trim().length).toBeGreaterThanOrEqual(32);
    expect(createPrivateKey(before[1].text).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    await t.close();
    t = undefined;

    t = await startTestApp(overrides, { dataDir });
    const client = new HttpsClient(t.port, t.ca);
    // Same files, untouched: the restart read them instead of generating new ones.
    expect(snapshot()).toEqual(before);

    // The access token issued before the restart still verifies: same key, same kid.
    expect((await client.get('/auth/me', { token: user.accessToken })).status).toBe(200);

    // The TOTP secret, encrypted under a key derived from the app secret, still opens.
    const preAuthToken = await login(client, user.username, user.password);
    const { code } = freshCode(user.secret, user.lastStep);
    const verify = await client.post('/auth/2fa/verify', { token: preAuthToken, body: { code } });
    expect(verify.status).toBe(200);
    const me = await client.get('/auth/me', { token: verify.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: expect.any(String), username: user.username, twoFactorEnabled: true });
  });
});

describe('REGISTRATION_ENABLED=false outside production', () => {
  const app = useTestApp({ REGISTRATION_ENABLED: 'false' });

  it('answers POST /auth/register with the 404 of a route that does not exist', async () => {
    const res = await app.client.post('/auth/register', {
      body: { username: uniqueUsername(), password: STRONG_PASSWORD },
    });
    expectNotFound(res, '/auth/register');
    expectNotFound(await app.client.post('/auth/no-such-route', { body: {} }), '/auth/no-such-route');
  });

  it('answers 404 whatever the body, as an absent route would', async () => {
    for (const body of [{}, { username: 'a b' }, { username: uniqueUsername(), password: 'short' }]) {
      expectNotFound(await app.client.post('/auth/register', { body }), '/auth/register');
    }
  });
});

describe('production configuration', () => {
  let dir: string;
  let prod: Record<string, string>;
  const appSecret = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-prod-'));
    const keyFiles = await productionKeyFiles(dir);
    prod = {
      ...(defaultEnvironment(REPO) as Record<string, string>),
      ...RELAXED_LIMITS,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      // Production must never generate anything here.
      DEV_SECRETS_DIR: join(dir, 'dev-secrets'),
      CERTS_DIR: join(dir, 'dev-certs'),
      APP_SECRET: appSecret,
      ...keyFiles,
      IP_ALLOWLIST: '127.0.0.0/8,::1/128',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'https://localhost:3443',
      LOG_LEVEL: 'fatal',
    };
  });
  afterAll(() => removeDataDir(dir));

  const without = (env: Record<string, string>, ...names: string[]) =>
    Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));

  describe('refuses to start', () => {
    const cases: Array<[string, (env: Record<string, string>) => Record<string, string>, RegExp]> = [
      ['without APP_SECRET', (env) => without(env, 'APP_SECRET'), /APP_SECRET: required in production/],
      ['with a blank APP_SECRET', (env) => ({ ...env, APP_SECRET: '   ' }), /APP_SECRET: required in production/],
      [
        'with a short APP_SECRET',
        (env) => ({ ...env, APP_SECRET: 'Sh0rt-but-not-32-bytes!' }),
        /APP_SECRET: must be at least 32 bytes/,
      ],
      [
        "with a 'change-me-…' APP_SECRET",
        (env) => ({ ...env, APP_SECRET: 'change-me-to-a-long-random-value-0123456789' }),
        /APP_SECRET: looks like a placeholder/,
      ],
      [
        "with APP_SECRET 'aaaa…' (40 characters)",
        (env) => ({ ...env, APP_SECRET: 'a'.repeat(40) }),
        /APP_SECRET: looks like a placeholder/,
      ],
      [
        'with a low-variety APP_SECRET',
        (env) => ({ ...env, APP_SECRET: 'abcdefgh'.repeat(5) }),
        /APP_SECRET: has too little variety/,
      ],
      [
        'without JWT_PRIVATE_KEY_FILE',
        (env) => without(env, 'JWT_PRIVATE_KEY_FILE'),
        /JWT_PRIVATE_KEY_FILE: required in production/,
      ],
      [
        'with an unreadable JWT_PRIVATE_KEY_FILE',
        (env) => ({ ...env, JWT_PRIVATE_KEY_FILE: join(dir, 'nope.pem') }),
        /JWT_PRIVATE_KEY_FILE: cannot read/,
      ],
      ['without TLS_CERT_FILE', (env) => without(env, 'TLS_CERT_FILE'), /TLS_CERT_FILE: required in production/],
      ['without TLS_KEY_FILE', (env) => without(env, 'TLS_KEY_FILE'), /TLS_KEY_FILE: required in production/],
      [
        'without either TLS file',
        (env) => without(env, 'TLS_CERT_FILE', 'TLS_KEY_FILE'),
        /TLS_CERT_FILE: required[\s\S]*TLS_KEY_FILE: required/,
      ],
      [
        'with an unreadable TLS_CERT_FILE',
        (env) => ({ ...env, TLS_CERT_FILE: join(dir, 'nope.crt') }),
        /TLS_CERT_FILE: cannot read/,
      ],
      ['without IP_ALLOWLIST', (env) => without(env, 'IP_ALLOWLIST'), /IP_ALLOWLIST: required in production/],
      [
        'with HS256 and a 16-byte JWT_SECRET',
        (env) => ({ ...env, JWT_ALGORITHM: 'HS256', JWT_SECRET: randomBytes(8).toString('hex') }),
        /JWT_SECRET: must be at least 32 bytes/,
      ],
      [
        'with HS256 and no JWT_SECRET',
        (env) => ({ ...env, JWT_ALGORITHM: 'HS256' }),
        /JWT_SECRET: required when JWT_ALGORITHM=HS256/,
      ],
      [
        'with HS256 and JWT_SECRET equal to APP_SECRET',
        (env) => ({ ...env, JWT_ALGORITHM: 'HS256', JWT_SECRET: env.APP_SECRET }),
        /JWT_SECRET: must differ from APP_SECRET/,
      ],
    ];

    it.each(cases)('%s, naming the variable', async (_name, change, message) => {
      const error = await startupError(change(prod));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
      // The message names the variable, never its value.
      expect(error.message).not.toContain(appSecret);
    });

    it('with an RSA key in JWT_PRIVATE_KEY_FILE (ES256 needs P-256)', async () => {
      const rsaFile = join(dir, 'rsa.pem');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(rsaFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const error = await startupError({ ...prod, JWT_PRIVATE_KEY_FILE: rsaFile });
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/JWT_PRIVATE_KEY_FILE: ES256 needs an EC P-256/);
    });

    it('lists every problem at once', async () => {
      const names = ['APP_SECRET', 'JWT_PRIVATE_KEY_FILE', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'IP_ALLOWLIST'];
      const error = await startupError(without(prod, ...names));
      for (const name of names) expect(error.message).toContain(`${name}:`);
    });
  });

  describe('a valid production configuration', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(prod, { dataDir: dir });
    });
    afterAll(async () => {
      await t.close();
    });

    it('starts and serves /health over TLS with the configured certificate', async () => {
      expect(t.config.isProduction).toBe(true);
      const res = await new HttpsClient(t.port, t.ca).get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('has registration off by default: POST /auth/register is a 404', async () => {
      expect(t.config.registrationEnabled).toBe(false);
      const client = new HttpsClient(t.port, t.ca);
      expectNotFound(
        await client.post('/auth/register', { body: { username: uniqueUsername(), password: STRONG_PASSWORD } }),
        '/auth/register',
      );
    });
  });

  // The data directory is this block's: withTestApp leaves a directory it was given in place.
  it('REGISTRATION_ENABLED=true turns registration on in production', () =>
    withTestApp(
      { ...prod, REGISTRATION_ENABLED: 'true' },
      async ({ client }) => {
        const res = await client.post('/auth/register', {
          body: { username: uniqueUsername(), password: STRONG_PASSWORD },
        });
        expect(res.status).toBe(201);
      },
      { dataDir: dir },
    ));

  // Runs last in this block: after every start and refusal above.
  it('never generated a dev secret or a dev certificate', () => {
    expect(existsSync(join(dir, 'dev-secrets'))).toBe(false);
    expect(existsSync(join(dir, 'dev-certs'))).toBe(false);
  });
});

describe('malformed settings stop startup, naming the variable', () => {
  const base = startupEnvironment;

  it.each([
    ['IP_ALLOWLIST', '10.0.0.0/8,not-an-ip', /IP_ALLOWLIST: "not-an-ip" is not a valid IP address or CIDR range/],
    ['IP_ALLOWLIST', '10.0.0.1/8', /IP_ALLOWLIST/],
    ['IP_ALLOWLIST', '10.0.0.0/8,,127.0.0.1', /IP_ALLOWLIST/],
    ['TRUSTED_PROXIES', '10.0.0.0/33', /TRUSTED_PROXIES/],
    ['PORT', 'abc', /PORT:/],
    ['PORT', '70000', /PORT:/],
    ['RATE_LIMIT_LOGIN', '10', /RATE_LIMIT_LOGIN: expected N\/S/],
    ['RATE_LIMIT_LOGIN', '0/60', /RATE_LIMIT_LOGIN: both N and S must be greater than 0/],
    ['JWT_ALGORITHM', 'none', /JWT_ALGORITHM:/],
    ['REGISTRATION_ENABLED', 'maybe', /REGISTRATION_ENABLED:/],
  ])('%s=%p', async (name, value, message) => {
    const error = await startupError({ ...base(), [name]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(existsSync(base().DEV_SECRETS_DIR)).toBe(false);
  });
});

/**
 * The real entry point, compiled: main.ts must turn a configuration error into
 * exit code 1 and a message naming the variable, without a stack trace.
 */
describe('the compiled server (node dist/main.js)', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-main-'));
    // The compiler (type roots) and the compiled server (packages) both look
    // for node_modules next to the temp dir's files.
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    // Same compiler options as `npm run build`, into a temp dir so a build in
    // progress elsewhere (dist/) is left alone; only main.ts's import graph.
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(REPO, 'tsconfig.build.json'),
        compilerOptions: { outDir: join(dir, 'dist'), sourceMap: false },
        files: [join(REPO, 'src', 'main.ts')],
        include: [],
      }),
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    // main reads config/defaults.env relative to its working directory.
    mkdirSync(join(dir, 'config'));
    copyFileSync(join(REPO, 'config', 'defaults.env'), join(dir, 'config', 'defaults.env'));

    const keyFiles = await productionKeyFiles(dir);
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      ...keyFiles,
      IP_ALLOWLIST: '127.0.0.0/8',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'https://localhost:3443',
    };
  }, 180_000);
  afterAll(() => removeDataDir(dir));

  async function run(extra: Record<string, string>, onStdout?: (text: string, stop: () => void) => void) {
    const child = spawn(process.execPath, [join(dir, 'dist', 'main.js')], { cwd: dir, env: { ...env, ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Not a timing assertion: only keeps a server that wrongly started from hanging the run.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(guard);
    return { code, signal, stdout, stderr };
  }

  async function freePort(): Promise<number> {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    return port;
  }

  it('exits 1 without APP_SECRET, naming it, with no stack trace', async () => {
    const result = await run({ PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('APP_SECRET: required in production');
    expect(result.stderr).not.toContain('    at ');
    // Only the one problem there is: the other settings are valid.
    expect(result.stderr).not.toMatch(/JWT_PRIVATE_KEY_FILE|TLS_|IP_ALLOWLIST/);
    expect(result.stdout).not.toContain('Listening');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  }, 90_000);

  it('control: the same environment plus a strong APP_SECRET starts and serves /health', async () => {
    const port = await freePort();
    const ca = readFileSync(devCertificatePaths(TEST_CERTS_DIR).caCert);
    let health: Promise<Response> | undefined;
    const result = await run(
      { PORT: String(port), APP_SECRET: randomBytes(32).toString('base64url') },
      (text, stop) => {
        if (!health && text.includes('Listening on')) {
          health = new HttpsClient(port, ca).get('/health').finally(stop);
        }
      },
    );
    expect(result.stderr).toBe('');
    expect(health).toBeDefined();
    expect((await health)?.body).toEqual({ status: 'ok' });
    // enableShutdownHooks: SIGTERM closes the app and the process exits on its own.
    expect(result.signal === 'SIGTERM' || result.code === 0).toBe(true);
  }, 90_000);
});
