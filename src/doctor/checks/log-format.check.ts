import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

/**
 * Pretty logs are for a person at a terminal: no collector parses them. The
 * API refuses them in production (a high finding through the configuration
 * check); elsewhere this says where security events can still be read as JSON.
 */
export function logFormatCheck(config: AppConfig): Finding[] {
  if (config.logFormat !== 'pretty') return [];
  const where = config.audit.logFile
    ? `security events are still JSON in AUDIT_LOG_FILE (${config.audit.logFile})`
    : 'with AUDIT_LOG_FILE off, security events are JSON nowhere';
  return [
    {
      severity: 'info',
      finding: `LOG_FORMAT=pretty (the default outside production): log lines are for people, not collectors; ${where}.`,
      fix: 'Set LOG_FORMAT=json wherever a program reads the log (production always logs JSON).',
    },
  ];
}
