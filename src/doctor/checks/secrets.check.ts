import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../../config/app-config';
import { secretWeakness } from '../../config/secret-strength';
import type { Finding } from '../finding';
import { displayPath } from '../paths';

/**
 * APP_SECRET and APP_SECRET_PREVIOUS. Production refuses a missing or weak
 * one at startup (a config finding), so what is left to say is about
 * development, a rotation in progress, and a dev secret copied into
 * production.
 */
export function secretsCheck(config: AppConfig, root: string): Finding[] {
  const findings: Finding[] = [];
  const { appSecret, previousAppSecret } = config.secrets;
  const devDir = resolve(root, config.secrets.devSecretsDir);
  if (!appSecret) {
    findings.push({
      severity: 'low',
      finding: `APP_SECRET is not set: a generated dev secret in ${displayPath(devDir, root)} is used.`,
      fix: 'Set APP_SECRET from a secret store before deploying.',
    });
  } else {
    const weakness = secretWeakness(appSecret);
    if (weakness) {
      findings.push({
        severity: 'medium',
        finding: `APP_SECRET ${weakness}.`,
        fix: 'Use 32+ random bytes, e.g. `openssl rand -base64 48`.',
      });
    }
    const devFile = join(devDir, 'app-secret');
    if (config.isProduction && existsSync(devFile) && readFileSync(devFile, 'utf8').trim() === appSecret) {
      findings.push({
        severity: 'high',
        finding: `APP_SECRET in production is the generated development secret (${displayPath(devFile, root)}).`,
        fix: 'Generate a new production secret; never reuse dev files.',
      });
    }
  }
  if (previousAppSecret) {
    const weakness = secretWeakness(previousAppSecret);
    findings.push(
      weakness
        ? {
            severity: 'medium',
            finding: `APP_SECRET_PREVIOUS ${weakness}.`,
            fix: 'Finish the rotation and remove APP_SECRET_PREVIOUS.',
          }
        : {
            severity: 'info',
            finding: 'APP_SECRET_PREVIOUS is set: an APP_SECRET rotation is in progress.',
            fix: 'Run `npm run cli -- secrets:reseal`, then remove APP_SECRET_PREVIOUS (recovery codes issued before the rotation stop matching then).',
          },
    );
  }
  return findings;
}
