import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

/** Entries are canonical, so ::ffff:0.0.0.0/96 shows up as 0.0.0.0/0 too. */
export function allowlistCheck(config: AppConfig): Finding[] {
  const everyone = config.network.allowlist.entries().filter((entry) => entry.endsWith('/0'));
  if (everyone.length === 0) return [];
  return [
    {
      severity: 'medium',
      finding: `IP_ALLOWLIST lets everyone in (${everyone.join(', ')}).`,
      fix: 'List only the networks of your clients or your load balancer.',
    },
  ];
}
