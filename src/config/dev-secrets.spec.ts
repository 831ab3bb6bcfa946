import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError } from './config.error';
import { createAppSecret, readOrCreateDevSecret } from './dev-secrets';

const ROOT = resolve(__dirname, '..', '..');
const silent = (): void => undefined;

/** A child process that provisions a dev secret for each directory written to it. */
interface Racer {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startRacer(): Racer {
  const child = spawn(
    process.execPath,
    ['-r', './test/support/swc-register.js', 'test/support/dev-secret-race-child.ts'],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
  const queued: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const resolveLine = waiting.shift();
    if (resolveLine) resolveLine(line);
    else queued.push(line);
  });
  return {
    child,
    next: () => {
      const line = queued.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((done) => waiting.push(done));
    },
  };
}

describe('readOrCreateDevSecret', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory 0700 and the secret 0600, then reads the same secret back', async () => {
    const secrets = join(dir, 'secrets');
    const log = jest.fn();
    const first = await readOrCreateDevSecret(secrets, 'app-secret', createAppSecret, log);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('Generated a development app-secret'));
    expect(statSync(secrets).mode & 0o777).toBe(0o700);
    expect(statSync(join(secrets, 'app-secret')).mode & 0o777).toBe(0o600);
    expect(readdirSync(secrets)).toEqual(['app-secret']);

    const again = jest.fn();
    expect(await readOrCreateDevSecret(secrets, 'app-secret', createAppSecret, again)).toBe(first);
    expect(again).not.toHaveBeenCalled();
  });

  it.each(['644', '640', '604', '660'])(
    'refuses an existing secret file with mode %s, naming the file and the fix',
    async (octal) => {
      const path = join(dir, 'app-secret');
      writeFileSync(path, 'a-secret-someone-else-may-have-read\n');
      chmodSync(path, parseInt(octal, 8));
      const error = await readOrCreateDevSecret(dir, 'app-secret', createAppSecret, silent).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(
        `${path}: this dev secret is accessible by group or others (mode 0${octal}); run chmod 600 ${path}`,
      );
      // Refused, not replaced: the operator decides.
      expect(readFileSync(path, 'utf8')).toBe('a-secret-someone-else-may-have-read\n');
    },
  );

  describe('three processes starting at once on one empty directory', () => {
    const racers: Racer[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 3; i += 1) racers.push(startRacer());
      expect(await Promise.all(racers.map((racer) => racer.next()))).toEqual(['ready', 'ready', 'ready']);
    }, 30_000);
    afterAll(() => {
      for (const racer of racers) racer.child.kill();
    });

    it('agree on exactly one secret, every time, and leave only that file behind', async () => {
      for (let round = 0; round < 20; round += 1) {
        const secrets = join(dir, `round-${round}`, 'dev-secrets');
        // Released together: each reads "no file yet", generates a key and tries to install it.
        for (const racer of racers) racer.child.stdin.write(`${secrets}\n`);
        const results = (await Promise.all(racers.map((racer) => racer.next()))).map(
          (line) => JSON.parse(line) as { value?: string; error?: string },
        );

        expect(results.map((result) => result.error)).toEqual([undefined, undefined, undefined]);
        const onDisk = readFileSync(join(secrets, 'jwt-es256.pem'), 'utf8').trim();
        // A whole, parseable P-256 key: no racer wrote over another's.
        expect(createPrivateKey(onDisk).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
        expect(results.map((result) => result.value)).toEqual([onDisk, onDisk, onDisk]);
        expect(readdirSync(secrets)).toEqual(['jwt-es256.pem']);
        expect(statSync(join(secrets, 'jwt-es256.pem')).mode & 0o777).toBe(0o600);
      }
    }, 60_000);
  });
});
