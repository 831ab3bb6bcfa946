import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';
import { isLoopback } from '../loopback';

/** PostgreSQL means several instances may run: they must share short-lived state, over TLS when it leaves the host. */
export function sharedStateCheck(config: AppConfig): Finding[] {
  const findings: Finding[] = [];
  const database = config.database.url;
  const redis = config.redis.url;
  const postgres = !database.startsWith('sqlite:');
  if (postgres && !redis) {
    findings.push({
      severity: 'high',
      finding:
        'DATABASE_URL is PostgreSQL (several instances) but REDIS_URL is not set: each instance keeps its own rate limits, lockouts and session revocations.',
      fix: 'Set REDIS_URL (rediss:// for TLS) so instances share them; or run exactly one instance.',
    });
  }
  if (config.isProduction && redis?.startsWith('redis://') && !isLocal(redis)) {
    findings.push({
      severity: 'low',
      finding: 'REDIS_URL uses redis:// (no TLS) to another host.',
      fix: 'Use rediss:// when Redis is reached over a network.',
    });
  }
  if (config.isProduction && postgres && !verifiesTls(database) && !isLocal(database)) {
    findings.push({
      severity: 'low',
      finding: 'DATABASE_URL to a remote PostgreSQL without sslmode=require/verify-full.',
      fix: 'Add ?sslmode=verify-full (or require).',
    });
  }
  return findings;
}

/** A URL whose host is this machine; one that does not parse counts as remote. */
function isLocal(url: string): boolean {
  const host = parsed(url)?.hostname;
  return host !== undefined && isLoopback(host);
}

function verifiesTls(url: string): boolean {
  return ['require', 'verify-ca', 'verify-full'].includes(parsed(url)?.searchParams.get('sslmode') ?? '');
}

function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
