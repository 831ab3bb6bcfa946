import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

/** Registration is off by default in production, so this is an explicit REGISTRATION_ENABLED=true. */
export function registrationCheck(config: AppConfig): Finding[] {
  if (!(config.isProduction && config.registrationEnabled)) return [];
  return [
    {
      severity: 'medium',
      finding: 'REGISTRATION_ENABLED=true in production: anyone who reaches the API can create an account.',
      fix: 'Turn it off and create users with `npm run cli -- user:create`, unless self-service sign-up is intended.',
    },
  ];
}
