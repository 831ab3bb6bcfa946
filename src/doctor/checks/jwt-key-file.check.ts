import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfiguredFiles } from '../configured-files';
import type { Finding } from '../finding';
import { isInside } from '../paths';

/** The ES256 signing key: present, and not a generated development key in production. */
export function jwtKeyFileCheck(files: ConfiguredFiles, root: string): Finding[] {
  const keyFile = files.jwtPrivateKeyFile;
  if (!keyFile) return [];
  const findings: Finding[] = [];
  if (files.production && files.devSecretsDir && isInside(resolve(root, keyFile), resolve(root, files.devSecretsDir))) {
    findings.push({
      severity: 'high',
      finding: `JWT_PRIVATE_KEY_FILE in production is a generated development key (${keyFile}).`,
      fix: 'Generate a production P-256 key outside DEV_SECRETS_DIR and point JWT_PRIVATE_KEY_FILE at it.',
    });
  }
  if (!existsSync(resolve(root, keyFile))) {
    findings.push({
      severity: 'high',
      finding: `JWT_PRIVATE_KEY_FILE ${keyFile} does not exist.`,
      fix: 'Fix the path or create the key.',
    });
  }
  return findings;
}
