import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultEnvironment } from '../src/config/env.source';
import { removeDataDir, startTestApp, TEST_CERTS_DIR } from './support/test-app';

const ROOT = resolve(__dirname, '..');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Every entry under dir (dir included) with its mode: one expectation shows them all. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': mode(dir) };
  for (const name of readdirSync(dir, { recursive: true }) as string[]) out[name] = mode(join(dir, name));
  return out;
}

/**
 * The umask a process inherits is the operator's (often 022: new files
 * world-readable). Each test sets that permissive umask first, so only the
 * application's own umask 077 can make the files private.
 */
describe("files the application creates are its owner's alone (umask 077), in every mode", () => {
  let dir: string;
  let previousUmask: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-modes-'));
    previousUmask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(previousUmask);
    removeDataDir(dir);
  });

  it.each(['development', 'test'])(
    'the API (createApp, NODE_ENV=%s): SQLite directory 0700, database, WAL and dev secrets 0600',
    async (nodeEnv) => {
      const data = join(dir, 'data');
      const t = await startTestApp(
        // SQLite here even in the distributed run: the files are what this test is about.
        {
          NODE_ENV: nodeEnv,
          DATABASE_URL: `sqlite:${join(data, 'db', 'app.db')}`,
          DEV_SECRETS_DIR: join(data, 'dev-secrets'),
        },
        { dataDir: dir },
      );
      try {
        expect(modes(data)).toEqual({
          '.': '0700',
          db: '0700',
          'db/app.db': '0600',
          'db/app.db-wal': '0600',
          'db/app.db-shm': '0600',
          'dev-secrets': '0700',
          'dev-secrets/app-secret': '0600',
          'dev-secrets/jwt-es256.pem': '0600',
        });
      } finally {
        await t.close();
      }
    },
  );

  it('the admin CLI (its own entry point): SQLite directory 0700, database and dev secrets 0600', async () => {
    const data = join(dir, 'cli-data');
    const env = {
      PATH: process.env.PATH ?? '',
      ...(defaultEnvironment(ROOT) as Record<string, string>),
      NODE_ENV: 'test',
      DATABASE_URL: `sqlite:${join(data, 'db', 'app.db')}`,
      DEV_SECRETS_DIR: join(data, 'dev-secrets'),
      CERTS_DIR: TEST_CERTS_DIR,
      LOG_LEVEL: 'fatal',
    };
    // The child inherits umask 022 from this process.
    const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/cli/main.ts', 'user:list'], {
      cwd: ROOT,
      env,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((done) => child.on('close', done));

    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('No users.') });
    const found = modes(data);
    for (const [name, value] of Object.entries(found)) {
      expect([name, value]).toEqual([
        name,
        statSync(join(data, name === '.' ? '' : name)).isDirectory() ? '0700' : '0600',
      ]);
    }
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['db', 'db/app.db', 'dev-secrets/app-secret']));
  });
});
