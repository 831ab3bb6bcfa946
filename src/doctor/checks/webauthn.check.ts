import type { AppConfig } from '../../config/app-config';
import type { Finding } from '../finding';

/**
 * Passkeys are bound to their RP ID for good: a production RP ID of
 * localhost makes them useless elsewhere and unmovable later, and an RP ID
 * that is a parent of the origins shares them with every sibling site.
 */
export function webauthnCheck(config: AppConfig): Finding[] {
  const { enabled, rpId, origins } = config.webauthn;
  if (!enabled) return [];
  const findings: Finding[] = [];
  if (config.isProduction && rpId.toLowerCase() === 'localhost') {
    findings.push({
      severity: 'high',
      finding:
        'WEBAUTHN_RP_ID=localhost in production: no browser on another machine can use passkeys, and those made now can never move to the real domain.',
      fix: "Set WEBAUTHN_RP_ID to the site's domain and WEBAUTHN_ORIGINS to its https origins before anyone registers a passkey.",
    });
  }
  if (origins.map(hostOf).some((host) => host !== undefined && host !== rpId.toLowerCase())) {
    findings.push({
      severity: 'low',
      finding: `WEBAUTHN_RP_ID=${rpId} is a parent of some WEBAUTHN_ORIGINS: passkeys are valid for every site under ${rpId}, which can then ask for assertions too.`,
      fix: 'Use the exact host as the RP ID unless sibling sites really share the passkeys.',
    });
  }
  return findings;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
