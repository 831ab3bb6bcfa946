import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

/**
 * TRUSTED_PROXIES entries wider than these are reported: a reverse proxy is
 * one host or a small subnet; a /15 (v4) or a /47 (v6) is a whole network
 * whose every host could forge X-Forwarded-For.
 */
const TRUSTED_PROXY_MIN_PREFIX = { ipv4: 16, ipv6: 48 };

export function trustedProxiesCheck(config: AppConfig): Finding[] {
  const findings: Finding[] = [];
  // A /0 never gets here: the API refuses it, and the config finding says so.
  for (const entry of config.network.trustedProxies.entries()) {
    const [address, prefix] = entry.split('/');
    const minimum = address.includes(':') ? TRUSTED_PROXY_MIN_PREFIX.ipv6 : TRUSTED_PROXY_MIN_PREFIX.ipv4;
    if (Number(prefix) < minimum) {
      findings.push({
        severity: 'medium',
        finding: `TRUSTED_PROXIES entry ${entry} is wider than /${minimum}: every host in it may set the client address.`,
        fix: 'Narrow it to the proxies themselves.',
      });
    }
  }
  return findings;
}
