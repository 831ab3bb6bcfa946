import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfiguredFiles } from '../configured-files';
import type { Finding } from '../finding';
import { displayPath } from '../paths';

/** Files created before the umask 077 (or copied in) can still be open to others. */
export function databaseFilesCheck(files: ConfiguredFiles, root: string): Finding[] {
  if (!files.sqliteFile) return [];
  const database = resolve(root, files.sqliteFile);
  const findings: Finding[] = [];
  for (const path of [dirname(database), database, `${database}-wal`, `${database}-shm`]) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      const directory = path === dirname(database);
      findings.push({
        severity: 'medium',
        finding: `The SQLite ${directory ? 'directory' : 'file'} ${displayPath(path, root)} is accessible by group or others (mode 0${mode.toString(8)}): password hashes and sealed TOTP secrets.`,
        fix: `Run chmod ${directory ? '700' : '600'} ${path}.`,
      });
    }
  }
  return findings;
}
