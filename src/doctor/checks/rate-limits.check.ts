import type { AppConfig, RateLimit } from '../../config/app-config';
import type { Finding } from '../finding';

/** Login and 2FA limits (per client, per minute) above which guessing is barely slowed. */
const LOGIN_RATE_MEDIUM_PER_MINUTE = 60;
const LOGIN_RATE_HIGH_PER_MINUTE = 1000;
const DEFAULT_RATE_MEDIUM_PER_MINUTE = 10_000;
const LOCKOUT_THRESHOLD_MEDIUM = 50;

const perMinute = (rate: RateLimit) => (rate.limit * 60) / rate.ttlSeconds;
/** As the operator wrote it: N/S. */
const written = (rate: RateLimit) => `${rate.limit}/${rate.ttlSeconds}`;

export function rateLimitsCheck(config: AppConfig): Finding[] {
  const findings: Finding[] = [];
  const guessed = [
    ['RATE_LIMIT_LOGIN', config.rateLimit.login],
    ['RATE_LIMIT_2FA', config.rateLimit.twoFactor],
  ] as const;
  for (const [name, rate] of guessed) {
    const minute = Math.round(perMinute(rate));
    if (perMinute(rate) > LOGIN_RATE_HIGH_PER_MINUTE) {
      findings.push({
        severity: 'high',
        finding: `${name}=${written(rate)} (${minute}/min per client): password and code guessing is effectively unlimited.`,
        fix: `Keep it near the default 10/60; at most ${LOGIN_RATE_MEDIUM_PER_MINUTE}/60.`,
      });
    } else if (perMinute(rate) > LOGIN_RATE_MEDIUM_PER_MINUTE) {
      findings.push({
        severity: 'medium',
        finding: `${name}=${written(rate)} (${minute}/min per client) is high for a guessing target.`,
        fix: `Keep it at or below ${LOGIN_RATE_MEDIUM_PER_MINUTE}/60 (default 10/60).`,
      });
    }
  }
  const general = config.rateLimit.default;
  if (perMinute(general) > DEFAULT_RATE_MEDIUM_PER_MINUTE) {
    findings.push({
      severity: 'medium',
      finding: `RATE_LIMIT_DEFAULT=${written(general)} (${Math.round(perMinute(general))}/min per client) barely limits anything.`,
      fix: 'Lower it to what one real client needs (default 100/60).',
    });
  }
  if (config.lockout.threshold > LOCKOUT_THRESHOLD_MEDIUM) {
    findings.push({
      severity: 'medium',
      finding: `LOCKOUT_THRESHOLD=${config.lockout.threshold}: that many wrong passwords or codes per account before a lock.`,
      fix: 'Keep it at 10 or so (default 10).',
    });
  }
  if (config.isProduction && config.rateLimit.failOpen) {
    findings.push({
      severity: 'medium',
      finding: 'RATE_LIMIT_FAIL_OPEN=true: while Redis is down, public routes are not rate limited.',
      fix: 'Leave it off unless availability matters more than throttling.',
    });
  }
  return findings;
}
