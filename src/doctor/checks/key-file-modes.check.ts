import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { privateKeyModeFix, privateKeyModeProblem } from '../../config/private-key-file';
import type { ConfiguredFiles } from '../configured-files';
import type { Finding } from '../finding';

/** The API refuses these in production (OpenSSH's rule); elsewhere it still uses them. */
export function keyFileModesCheck(files: ConfiguredFiles, root: string): Finding[] {
  const keys = [
    ['JWT_PRIVATE_KEY_FILE', files.jwtPrivateKeyFile],
    ['TLS_KEY_FILE', files.tlsKeyFile],
  ] as const;
  const findings: Finding[] = [];
  for (const [variable, file] of keys) {
    const path = file && resolve(root, file);
    if (!path || !existsSync(path)) continue;
    const problem = privateKeyModeProblem(statSync(path));
    if (!problem) continue;
    findings.push({
      severity: files.production ? 'high' : 'low',
      finding: `${variable} ${file} ${problem}${files.production ? ': the API refuses to start with it' : '; production would refuse it'}.`,
      fix: `${privateKeyModeFix(file)}.`,
    });
  }
  return findings;
}
