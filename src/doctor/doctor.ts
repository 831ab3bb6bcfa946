import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/config.error';
import { loadConfig } from '../config/load-config';
import { allowlistCheck } from './checks/allowlist.check';
import { auditFileCheck } from './checks/audit-file.check';
import { databaseFilesCheck } from './checks/database-files.check';
import { devSecretFilesCheck } from './checks/dev-secret-files.check';
import { enrollmentCheck } from './checks/enrollment.check';
import { jwtKeyFileCheck } from './checks/jwt-key-file.check';
import { jwtCheck } from './checks/jwt.check';
import { keyFileModesCheck } from './checks/key-file-modes.check';
import { logFormatCheck } from './checks/log-format.check';
import { nodeEnvCheck } from './checks/node-env.check';
import { rateLimitsCheck } from './checks/rate-limits.check';
import { registrationCheck } from './checks/registration.check';
import { secretsCheck } from './checks/secrets.check';
import { securityWebhookCheck } from './checks/security-webhook.check';
import { sharedStateCheck } from './checks/shared-state.check';
import { tlsKeyExchangeCheck } from './checks/tls-key-exchange.check';
import { tlsCheck } from './checks/tls.check';
import { trustedProxiesCheck } from './checks/trusted-proxies.check';
import { webauthnCheck } from './checks/webauthn.check';
import { filesFromEnvironment, filesOf } from './configured-files';
import { bySeverity, type ConfigCheck, type FileCheck, type Finding } from './finding';

type Source = Record<string, string | undefined>;

const CONFIG_CHECKS: [name: string, check: ConfigCheck][] = [
  ['NODE_ENV', nodeEnvCheck],
  ['secrets', secretsCheck],
  ['jwt', jwtCheck],
  ['allowlist', allowlistCheck],
  ['proxies', trustedProxiesCheck],
  ['rate limits', rateLimitsCheck],
  ['registration', registrationCheck],
  ['enrollment', enrollmentCheck],
  ['passkeys', webauthnCheck],
  ['shared state', sharedStateCheck],
  ['audit file', auditFileCheck],
  ['security webhook', securityWebhookCheck],
  ['log format', logFormatCheck],
  ['tls key exchange', tlsKeyExchangeCheck],
];

const FILE_CHECKS: [name: string, check: FileCheck][] = [
  ['dev secret files', devSecretFilesCheck],
  ['jwt key file', jwtKeyFileCheck],
  ['key files', keyFileModesCheck],
  ['database files', databaseFilesCheck],
  ['tls', tlsCheck],
];

/**
 * The security self-check behind `npm run doctor`: reads the configuration
 * as the API does (loadConfig, same layers) and runs every check on the
 * result. A configuration the API would refuse is a high finding per
 * problem, each naming its variable; the checks of the files it names
 * still run, so one run shows every problem. Never throws.
 */
export function runDoctor(source: Source, root = process.cwd()): Finding[] {
  const findings: Finding[] = [];
  let config: AppConfig | undefined;
  try {
    config = loadConfig(source);
  } catch (error) {
    findings.push(...refusal(error).map(invalidConfigFinding));
  }
  const run = (name: string, check: () => Finding[]) => {
    try {
      findings.push(...check());
    } catch (error) {
      findings.push({
        severity: 'medium',
        finding: `The ${name} check could not run: ${(error as Error)?.message ?? String(error)}`,
        fix: 'Run the doctor again after fixing the configuration above.',
      });
    }
  };
  if (config) for (const [name, check] of CONFIG_CHECKS) run(name, () => check(config, root));
  const files = config ? filesOf(config) : filesFromEnvironment(source);
  for (const [name, check] of FILE_CHECKS) run(name, () => check(files, root));
  return bySeverity(findings);
}

/** One line per problem, `VARIABLE: message` as the API prints it at startup. */
function refusal(error: unknown): string[] {
  if (error instanceof ConfigError) return error.problems.map((p) => `${p.variable}: ${p.message}`);
  // Not expected from loadConfig; still reported rather than thrown.
  return [String((error as Error)?.message ?? error)];
}

function invalidConfigFinding(problem: string): Finding {
  return {
    severity: 'high',
    finding: `Invalid configuration (the API refuses to startup): ${problem}`,
    fix: 'Fix the named variable; see .env.example and docs/configuration.md.',
  };
}
