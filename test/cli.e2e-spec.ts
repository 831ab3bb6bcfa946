import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli, type CliRun } from './support/cli';
import { STRONG_PASSWORD, login } from './support/flows';
import { HttpsClient } from './support/https-client';
import { decodeJwt } from './support/jwt';
import { RELAXED_LIMITS, startTestApp, type TestApp } from './support/test-app';
import { freshCode } from './support/totp';

const ROOT = resolve(__dirname, '..');
/** How the CLI prints an enrollment ticket: indented, alone on its line. */
const TICKET_LINE = /^ {2}([\w-]{43})$/m;

/** user:enroll answered from the test: reads the secret it prints, then types a valid code. */
async function enrollFromCli(
  dataDir: string,
  username: string,
  env: Record<string, string> = {},
): Promise<{ run: CliRun; secret: string; step: number }> {
  let secret = '';
  let step = 0;
  let answered = false;
  const run = await cli(dataDir, ['user:enroll', username], {
    env,
    answer: (output, write) => {
      const match = /enter this secret manually \(shown once\): ([A-Z2-7]+)/.exec(output);
      if (!answered && match && output.includes('6-digit code from the app: ')) {
        answered = true;
        secret = match[1];
        const fresh = freshCode(secret, null);
        step = fresh.step;
        write(fresh.code);
      }
    },
  });
  return { run, secret, step };
}

describe('admin CLI (npm run cli)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-cli-'));
  let t: TestApp | undefined;
  // With DATABASE_URL_TEST the test app uses PostgreSQL, which the CLI (given only the SQLite path) would not see.
  const sqliteOnly = process.env.DATABASE_URL_TEST ? describe.skip : describe;

  /** The recovery codes user:enroll printed: each gives one more API session without spending a TOTP step. */
  let recovery: string[] = [];
  /** Printed by user:reset-2fa, used by the next test. */
  let resetTicket = '';
  async function loginWithRecovery(client: HttpsClient) {
    if (recovery.length === 0) throw new Error('no recovery codes');
    const preAuthToken = await login(client, 'alice', STRONG_PASSWORD);
    const res = await client.post('/auth/2fa/verify', {
      token: preAuthToken,
      body: { recoveryCode: recovery.shift() },
    });
    if (res.status !== 200) throw new Error(`recovery login: ${res.status} ${res.text}`);
    return { accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string };
  }

  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  sqliteOnly('users', () => {
    it('user:create --password-stdin, then user:list shows the user with 2FA off', async () => {
      const created = await cli(dataDir, ['user:create', 'alice', '--password-stdin'], {
        stdin: `${STRONG_PASSWORD}\n`,
      });
      expect(created.stderr).not.toMatch(/Error/);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/Created user alice \(id [0-9a-f-]{36}\)/);
      expect(created.stdout).toMatch(/Enrollment ticket for alice \(shown once, valid 168 h/);
      expect(created.stdout).toMatch(TICKET_LINE);
      expect(created.stdout + created.stderr).not.toContain(STRONG_PASSWORD);

      const listed = await cli(dataDir, ['user:list']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^ID\s+USERNAME\s+2FA\s+CREATED$/m);
      expect(listed.stdout).toMatch(/^[0-9a-f-]{36}\s+alice\s+off\s+\d{4}-\d\d-\d\dT/m);
    }, 60_000);

    it('refuses a weak password (the API policy), a taken name and an unknown user, with exit 1', async () => {
      const weak = await cli(dataDir, ['user:create', 'bob', '--password-stdin'], { stdin: 'password123\n' });
      expect(weak.code).toBe(1);
      expect(weak.stderr).toMatch(/Error: Password must be at least 12 characters/);
      const guessable = await cli(dataDir, ['user:create', 'bob', '--password-stdin'], { stdin: 'passwordpassword\n' });
      expect(guessable.code).toBe(1);
      expect(guessable.stderr).toMatch(/Password is too easy to guess/);
      const taken = await cli(dataDir, ['user:create', 'ALICE', '--password-stdin'], { stdin: `${STRONG_PASSWORD}\n` });
      expect(taken.code).toBe(1);
      expect(taken.stderr).toMatch(/already exists/);
      const unknown = await cli(dataDir, ['user:reset-2fa', 'nobody']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/Error: Unknown user "nobody"/);
      const noTty = await cli(dataDir, ['user:create', 'carol']);
      expect(noTty.code).toBe(1);
      expect(noTty.stderr).toMatch(/--password-stdin/);
      expect((await cli(dataDir, ['user:list'])).stdout).not.toMatch(/bob|carol/);
    }, 60_000);

    it('user:enroll: QR code, secret, code prompt; then the user logs in through the API with password + TOTP', async () => {
      const { run, secret, step } = await enrollFromCli(dataDir, 'alice');
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('▄'); // the terminal QR code
      expect(run.stdout).toMatch(/Two-factor authentication enabled for alice/);
      const recoveryCodes = run.stdout.match(/^ {2}[a-z2-7]{5}-[a-z2-7]{5}$/gm) ?? [];
      expect(recoveryCodes).toHaveLength(10);
      recovery = recoveryCodes.map((c) => c.trim());
      expect((await cli(dataDir, ['user:list'])).stdout).toMatch(/alice\s+on/);

      t = await startTestApp(RELAXED_LIMITS, { dataDir });
      const client = new HttpsClient(t.port, t.ca);
      const preAuth = await client.post('/auth/login', { body: { username: 'alice', password: STRONG_PASSWORD } });
      expect(preAuth.body.next).toBe('totp-verify');
      // The enrollment code's step is recorded: it cannot be replayed.
      const { code } = freshCode(secret, step);
      const verified = await client.post('/auth/2fa/verify', { token: preAuth.body.preAuthToken, body: { code } });
      expect(verified.status).toBe(200);
      expect(verified.body.accessToken).toEqual(expect.any(String));

      // A second enrollment is refused while an authenticator exists.
      const again = await cli(dataDir, ['user:enroll', 'alice']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already has an authenticator: run user:reset-2fa first/);
    }, 90_000);

    it('sessions:list prints the live sessions as GET /auth/sessions shows them; an unknown user exits 1', async () => {
      const app = t as TestApp;
      const client = new HttpsClient(app.port, app.ca, {
        localAddress: '127.0.0.2',
        headers: { 'user-agent': 'Operator\tTest/1.0' },
      });
      const session = await loginWithRecovery(client);
      const sid = decodeJwt(session.accessToken).claims.sid as string;
      const listed = await cli(dataDir, ['sessions:list', 'alice']);
      expect(listed.code).toBe(0);
      const [header, rule, first] = listed.stdout.trim().split('\n');
      expect(header).toMatch(/^ID\s+CREATED\s+LAST USED\s+ADDRESS\s+CREATED FROM\s+AMR\s+ACR\s+USER AGENT$/);
      expect(rule).toMatch(/^-+( +-+)+$/);
      // Newest first; the User-Agent as stored, escaped.
      expect(first).toMatch(
        new RegExp(
          `^${sid}\\s+\\S+Z\\s+\\S+Z\\s+127\\.0\\.0\\.2\\s+127\\.0\\.0\\.2\\s+pwd otp\\s+urn:nest-2fa-api:acr:mfa\\s+` +
            'Operator\\\\u0009Test/1\\.0$',
        ),
      );
      expect(listed.stdout).not.toMatch(/\t/);

      const unknown = await cli(dataDir, ['sessions:list', 'nobody']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/Error: Unknown user "nobody"/);
      expect(unknown.stdout).toBe('');
    }, 60_000);

    it('sessions:revoke ends the sessions in the database: the refresh token is refused by the running app', async () => {
      const app = t as TestApp;
      const client = new HttpsClient(app.port, app.ca);
      // A session through the recovery-code path (TOTP steps were spent above).
      const session = await loginWithRecovery(client);
      expect((await client.get('/auth/me', { token: session.accessToken })).status).toBe(200);

      const revoked = await cli(dataDir, ['sessions:revoke', 'alice']);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toMatch(/All sessions and device tokens of alice ended/);
      expect(revoked.stderr).toMatch(/REDIS_URL is not set.*access tokens already issued stay valid/s);
      expect((await client.post('/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
      expect((await cli(dataDir, ['sessions:list', 'alice'])).stdout).toBe('No live sessions for alice.\n');
    }, 60_000);

    it('user:reset-2fa: the next API login asks to enroll again; refresh tokens stop working', async () => {
      const app = t as TestApp;
      const client = new HttpsClient(app.port, app.ca);
      const session = await loginWithRecovery(client);
      const reset = await cli(dataDir, ['user:reset-2fa', 'alice']);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/Two-factor authentication of alice removed/);
      resetTicket = TICKET_LINE.exec(reset.stdout)?.[1] ?? '';
      expect(resetTicket).not.toBe('');
      const preAuth = await client.post('/auth/login', { body: { username: 'alice', password: STRONG_PASSWORD } });
      expect(preAuth.status).toBe(200);
      expect(preAuth.body.next).toBe('totp-enroll');
      expect((await client.post('/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
      expect((await cli(dataDir, ['user:list'])).stdout).toMatch(/alice\s+off/);
    }, 60_000);

    it('user:enrollment-ticket: the ticket reset-2fa printed enrolls through the API until a newer one replaces it', async () => {
      const app = t as TestApp;
      const client = new HttpsClient(app.port, app.ca);
      const setup = async (enrollmentTicket?: string) =>
        client.post('/auth/2fa/setup', {
          token: await login(client, 'alice', STRONG_PASSWORD),
          body: enrollmentTicket === undefined ? {} : { enrollmentTicket },
        });
      expect((await setup()).status).toBe(403);
      expect((await setup(resetTicket)).status).toBe(200);

      const issued = await cli(dataDir, ['user:enrollment-ticket', 'alice']);
      expect(issued.code).toBe(0);
      const newTicket = TICKET_LINE.exec(issued.stdout)?.[1] ?? '';
      expect(newTicket).not.toBe('');
      expect(newTicket).not.toBe(resetTicket);
      expect((await setup(resetTicket)).status).toBe(403);
      const preAuthToken = await login(client, 'alice', STRONG_PASSWORD);
      const pending = await client.post('/auth/2fa/setup', {
        token: preAuthToken,
        body: { enrollmentTicket: newTicket },
      });
      expect(pending.status).toBe(200);
      const enabled = await client.post('/auth/2fa/enable', {
        token: preAuthToken,
        body: { code: freshCode(pending.body.secret, null).code },
      });
      expect(enabled.status).toBe(200);

      // Spent by the enrollment; and an enrolled user gets no ticket from the CLI.
      const refused = await cli(dataDir, ['user:enrollment-ticket', 'alice']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already has an authenticator: run user:reset-2fa/);
      expect((await cli(dataDir, ['user:reset-2fa', 'alice'])).code).toBe(0);
    }, 60_000);

    it('user:unlock without REDIS_URL says it cannot reach the in-process counters (exit 2)', async () => {
      const res = await cli(dataDir, ['user:unlock', 'alice']);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/Nothing done: REDIS_URL is not set/);
    }, 30_000);
  });

  sqliteOnly('secrets:reseal after an APP_SECRET rotation', () => {
    const rotationDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-cli-rotation-'));
    const OLD = { APP_SECRET: randomBytes(32).toString('base64url') };
    const NEW = { APP_SECRET: randomBytes(32).toString('base64url') };
    const ROTATING = { ...NEW, APP_SECRET_PREVIOUS: OLD.APP_SECRET };
    let rotated: TestApp | undefined;
    let enrolled = { secret: '', step: 0 };
    /** erin ran user:enroll but gave no code: her secret is pending, sealed under the old APP_SECRET too. */
    let pendingSecret = '';

    afterAll(async () => {
      await rotated?.close();
      rmSync(rotationDir, { recursive: true, force: true });
    });

    it('refuses (exit 1), naming the user, when a secret opens under neither APP_SECRET nor APP_SECRET_PREVIOUS', async () => {
      const created = await cli(rotationDir, ['user:create', 'dave', '--password-stdin'], {
        stdin: `${STRONG_PASSWORD}\n`,
        env: OLD,
      });
      expect(created.code).toBe(0);
      const { run, secret, step } = await enrollFromCli(rotationDir, 'dave', OLD);
      expect(run.code).toBe(0);
      enrolled = { secret, step };
      expect(
        (
          await cli(rotationDir, ['user:create', 'erin', '--password-stdin'], {
            stdin: `${STRONG_PASSWORD}\n`,
            env: OLD,
          })
        ).code,
      ).toBe(0);
      const abandoned = await cli(rotationDir, ['user:enroll', 'erin'], { env: OLD, stdin: '' });
      expect(abandoned.code).toBe(1);
      pendingSecret = /enter this secret manually \(shown once\): ([A-Z2-7]+)/.exec(abandoned.stdout)?.[1] ?? '';
      expect(pendingSecret).not.toBe('');

      const withoutPrevious = await cli(rotationDir, ['secrets:reseal'], { env: NEW });
      expect(withoutPrevious.code).toBe(1);
      expect(withoutPrevious.stdout).toMatch(
        /2 stored TOTP secret\(s\): 0 re-sealed under the current APP_SECRET, 0 already were/,
      );
      expect(withoutPrevious.stderr).toMatch(
        /Error: The TOTP secret of dave, erin opens under neither APP_SECRET nor APP_SECRET_PREVIOUS/,
      );
    }, 60_000);

    it('re-seals under the new APP_SECRET; the user then logs in with the authenticator after APP_SECRET_PREVIOUS is removed', async () => {
      const resealed = await cli(rotationDir, ['secrets:reseal'], { env: ROTATING });
      expect(resealed.stderr).not.toMatch(/Error/);
      expect(resealed.code).toBe(0);
      expect(resealed.stdout).toMatch(
        /2 stored TOTP secret\(s\): 2 re-sealed under the current APP_SECRET, 0 already were/,
      );
      expect(resealed.stderr).toMatch(/Recovery codes issued before the rotation still do/);
      const again = await cli(rotationDir, ['secrets:reseal'], { env: ROTATING });
      expect(again.stdout).toMatch(/0 re-sealed under the current APP_SECRET, 2 already were/);

      // The rotation finished: only the new secret is configured. Tickets are
      // off here only because erin's pending secret came from the CLI, which
      // binds no ticket; with tickets on, the API refuses to enable it (403).
      rotated = await startTestApp(
        { ...RELAXED_LIMITS, ...NEW, ENROLLMENT_TICKET_REQUIRED: 'false' },
        { dataDir: rotationDir },
      );
      const client = new HttpsClient(rotated.port, rotated.ca);
      const preAuth = await client.post('/auth/login', { body: { username: 'dave', password: STRONG_PASSWORD } });
      expect(preAuth.body.next).toBe('totp-verify');
      const { code } = freshCode(enrolled.secret, enrolled.step);
      const verified = await client.post('/auth/2fa/verify', { token: preAuth.body.preAuthToken, body: { code } });
      expect(verified.status).toBe(200);

      // The pending secret was re-sealed in its own column: erin confirms it with the app she already scanned.
      const erin = await client.post('/auth/login', { body: { username: 'erin', password: STRONG_PASSWORD } });
      expect(erin.body.next).toBe('totp-enroll');
      const enabled = await client.post('/auth/2fa/enable', {
        token: erin.body.preAuthToken,
        body: { code: freshCode(pendingSecret, null).code },
      });
      expect(enabled.status).toBe(200);
    }, 90_000);
  });

  it('certs:dev regenerates the dev CA and server certificate in CERTS_DIR', async () => {
    const certsDir = join(dataDir, 'certs');
    const first = await cli(dataDir, ['certs:dev'], { env: { CERTS_DIR: certsDir } });
    expect(first.code).toBe(0);
    for (const file of ['dev-ca.crt', 'dev-ca.key', 'server.crt', 'server.key'])
      expect(existsSync(join(certsDir, file))).toBe(true);
    const ca = readFileSync(join(certsDir, 'dev-ca.crt'), 'utf8');
    const second = await cli(dataDir, ['certs:dev'], { env: { CERTS_DIR: certsDir } });
    expect(second.code).toBe(0);
    expect(readFileSync(join(certsDir, 'dev-ca.crt'), 'utf8')).not.toBe(ca);
  }, 60_000);

  it('certs:dev reads CERTS_DIR through the typed configuration: a configuration the API refuses writes nothing', async () => {
    const certsDir = join(dataDir, 'refused-certs');
    const res = await cli(dataDir, ['certs:dev'], { env: { CERTS_DIR: certsDir, PORT: 'eighty' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Invalid configuration:\n {2}- PORT: /);
    expect(existsSync(certsDir)).toBe(false);
  }, 30_000);

  it('npm run certs is certs:dev (one command, so it honours CERTS_DIR too)', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.certs).toBe('npm run build && node dist/cli/main.js certs:dev');
    expect(scripts.cli).toBe('node dist/cli/main.js');
  });

  it('unknown command: usage on stderr, exit 1', async () => {
    const res = await cli(dataDir, ['user:frobnicate']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/unknown command/);
  }, 30_000);
});
