import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ConfigError } from './config.error';

/**
 * Why a private key file's permissions are too open, or null. OpenSSH's rule
 * (sshkey_perm_ok): a key we own must give group and others nothing, since we
 * could have made it private and did not. A key another user owns (root, or
 * Kubernetes' kubelet, which adds group read for fsGroup) may be shared with
 * our group on purpose, but never with everyone: world access is refused
 * whoever owns the file.
 */
export function privateKeyModeProblem(stats: Pick<Stats, 'mode' | 'uid'>, uid = process.getuid?.()): string | null {
  const mode = stats.mode & 0o777;
  const ownedByUs = uid === undefined || stats.uid === uid;
  const exposed = ownedByUs ? mode & 0o077 : mode & 0o007;
  if (exposed === 0) return null;
  return `is accessible by ${ownedByUs ? 'group or others' : 'others'} (mode ${mode.toString(8).padStart(4, '0')})`;
}

/** The fix that goes with privateKeyModeProblem. */
export function privateKeyModeFix(path: string): string {
  return `run chmod 600 ${path} (a Kubernetes secret volume: defaultMode: 0400)`;
}

/**
 * Reads a private key file. In production its permissions are checked on the
 * open descriptor (what is read is what was checked): a key other local users
 * can read is refused, naming the file and the fix, as OpenSSH does.
 */
export async function readPrivateKeyFile(path: string, variable: string, enforceMode: boolean): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ConfigError([{ variable, message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code})` }]);
  }
  try {
    if (enforceMode) {
      const problem = privateKeyModeProblem(await handle.stat());
      if (problem) {
        throw new ConfigError([
          { variable, message: `the private key ${path} ${problem}; ${privateKeyModeFix(path)}` },
        ]);
      }
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
