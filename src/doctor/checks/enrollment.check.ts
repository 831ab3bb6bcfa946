import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

const TICKET_TTL_LONG_SECONDS = 30 * 24 * 3600;
const DEVICE_TTL_LONG_SECONDS = 365 * 24 * 3600;

export function enrollmentCheck(config: AppConfig): Finding[] {
  const findings: Finding[] = [];
  if (!config.enrollment.ticketRequired) {
    findings.push({
      severity: config.isProduction ? 'high' : 'medium',
      finding:
        'ENROLLMENT_TICKET_REQUIRED=false: a password alone enrolls an authenticator on an account without one (new, or after a 2FA reset), so a phished password takes the account.',
      fix: 'Leave it at true and hand the enrollment ticket (registration, POST /auth/2fa/reset, `npm run cli -- user:enrollment-ticket`) to the user out of band.',
    });
  }
  if (config.enrollment.ticketTtlSeconds > TICKET_TTL_LONG_SECONDS) {
    findings.push({
      severity: 'low',
      finding: `ENROLLMENT_TICKET_TTL=${config.enrollment.ticketTtlSeconds}: an unused ticket stays valid for more than 30 days.`,
      fix: 'Keep it to days (default 604800, 7 days); issue a new one when needed.',
    });
  }
  if (config.devices.tokenTtlSeconds > DEVICE_TTL_LONG_SECONDS) {
    findings.push({
      severity: 'low',
      finding: `DEVICE_TOKEN_TTL=${config.devices.tokenTtlSeconds}: a device keeps its own lockout counter for more than a year without a login.`,
      fix: 'Keep it near the default 7776000 (90 days).',
    });
  }
  return findings;
}
