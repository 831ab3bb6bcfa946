import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './config.error';

/**
 * Outside production a missing secret is generated once and kept in a
 * git-ignored file, so a restart keeps tokens valid and encrypted TOTP
 * secrets readable. Production never reaches this code: loadConfig refuses
 * missing secrets there.
 *
 * Several processes may start at once on an empty directory (the API and the
 * CLI, parallel tests): exactly one secret wins and every process uses it.
 * Each writes its candidate to a private temporary file, complete and synced,
 * then link()s it to the final name, which fails with EEXIST if another
 * process got there first; the loser reads the winner's file instead. The
 * final name only ever appears with its whole content, so no reader sees a
 * half-written secret (rename would silently replace a winner already in use).
 */
export async function readOrCreateDevSecret(
  dir: string,
  name: string,
  create: () => string,
  log: (message: string) => void,
): Promise<string> {
  const path = join(dir, name);
  const existing = await readDevSecret(path);
  if (existing !== undefined) return existing;

  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Trimmed like what is read back, so the first start and every later one see the same value.
  const value = create().trim();
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${value}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const winner = await readDevSecret(path);
      if (winner === undefined) {
        throw new ConfigError([
          { variable: 'DEV_SECRETS_DIR', message: `${path}: vanished while being created; start again` },
        ]);
      }
      return winner;
    }
  } finally {
    await rm(temp, { force: true });
  }
  log(`Generated a development ${name} in ${path} (git-ignored; never use it in production)`);
  return value;
}

/**
 * The secret in `path`, or undefined when there is none yet. A file that
 * group or others can reach is refused, as OpenSSH refuses such a key: its
 * secret may already be known to another local user.
 */
async function readDevSecret(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const mode = (await handle.stat()).mode & 0o777;
    if (mode & 0o077) {
      throw new ConfigError([
        {
          variable: 'DEV_SECRETS_DIR',
          message:
            `${path}: this dev secret is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
            `run chmod 600 ${path}`,
        },
      ]);
    }
    return (await handle.readFile('utf8')).trim();
  } finally {
    await handle.close();
  }
}

export const createAppSecret = (): string => randomBytes(32).toString('base64url');

export const createEs256PrivateKeyPem = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
