import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Outside production a missing secret is generated once and kept in a
 * git-ignored file, so a restart keeps tokens valid and encrypted TOTP
 * secrets readable. Production never reaches this code: loadConfig refuses
 * missing secrets there.
 */
export async function readOrCreateDevSecret(
  dir: string,
  name: string,
  create: () => string,
  log: (message: string) => void,
): Promise<string> {
  const path = join(dir, name);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const value = create();
  // Write then rename, so a crash never leaves a half-written secret behind.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${value}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temp, path);
  log(`Generated a development ${name} in ${path} (git-ignored; never use it in production)`);
  return value;
}

export const createAppSecret = (): string => randomBytes(32).toString('base64url');

export const createEs256PrivateKeyPem = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
