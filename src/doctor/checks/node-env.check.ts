import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';
import { isLoopback } from '../loopback';

/**
 * Development mode (generated secrets, open registration, docs UI) is safe
 * only on this machine: an unset NODE_ENV on a reachable HOST is the usual
 * accident, so it is high; a deliberate NODE_ENV=development is medium.
 */
export function nodeEnvCheck(config: AppConfig): Finding[] {
  if (config.isProduction) return [];
  const findings: Finding[] = [];
  const host = config.http.host;
  if (config.nodeEnvUnset && !isLoopback(host)) {
    findings.push({
      severity: 'high',
      finding: `NODE_ENV is not set (so development: generated secrets, open registration, docs) and HOST=${host} is reachable from the network.`,
      fix: 'Set NODE_ENV=production for a deployment; for development, leave HOST unset (127.0.0.1).',
    });
  } else if (!isLoopback(host)) {
    findings.push({
      severity: 'medium',
      finding: `NODE_ENV=${config.env} (development checks) listens on HOST=${host}, reachable from the network.`,
      fix: 'Leave HOST unset (127.0.0.1) outside production, or set NODE_ENV=production.',
    });
  }
  findings.push({
    severity: 'info',
    finding: `NODE_ENV=${config.nodeEnvUnset ? 'development (unset)' : config.env}: secrets may be generated dev files and production checks are relaxed.`,
    fix: 'Set NODE_ENV=production for a deployment.',
  });
  return findings;
}
