import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConfiguredFiles } from '../configured-files';
import type { Finding } from '../finding';
import { displayPath } from '../paths';

/** Outside production the API refuses a generated dev secret that group or others can read. */
export function devSecretFilesCheck(files: ConfiguredFiles, root: string): Finding[] {
  if (files.production || !files.devSecretsDir) return [];
  const devDir = resolve(root, files.devSecretsDir);
  const findings: Finding[] = [];
  for (const name of ['app-secret', 'jwt-es256.pem']) {
    const file = join(devDir, name);
    const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0;
    if (mode & 0o077) {
      findings.push({
        severity: 'high',
        finding: `The dev secret ${displayPath(file, root)} is accessible by group or others (mode 0${mode.toString(8)}): the API refuses to start with it.`,
        fix: `Run chmod 600 ${file}.`,
      });
    }
  }
  return findings;
}
