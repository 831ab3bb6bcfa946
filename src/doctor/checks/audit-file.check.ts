import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

const MIB = 1024 * 1024;

/**
 * The audit set can grow to AUDIT_LOG_KEEP rotated files plus the current
 * one, each up to AUDIT_LOG_MAX_BYTES (plus one batch). A filesystem with
 * less room fills up: audit writes then fail and the instance reports not
 * ready until there is space again.
 */
export function auditFileCheck(config: AppConfig, root: string): Finding[] {
  const { logFile, keep, maxBytes } = config.audit;
  if (!logFile) return [];
  const budget = (keep + 1) * maxBytes;
  let dir = dirname(resolve(root, logFile));
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  if (free >= budget) return [];
  return [
    {
      severity: 'medium',
      finding: `AUDIT_LOG_FILE ${logFile}: the audit set may grow to ${Math.ceil(budget / MIB)} MiB ((AUDIT_LOG_KEEP=${keep} + 1) × AUDIT_LOG_MAX_BYTES) but its filesystem has ${Math.floor(free / MIB)} MiB free.`,
      fix: 'Give it more room, or lower AUDIT_LOG_KEEP or AUDIT_LOG_MAX_BYTES (ship rotated files off the machine); a full disk makes the instance not ready.',
    },
  ];
}
