import { type KeyExchangeGroups, POST_QUANTUM_GROUP, runtimeKeyExchangeGroups } from '../../tls/key-exchange-groups';
import type { Finding } from '../finding';

/**
 * Which TLS key exchange groups this runtime makes the API offer. Without the
 * post-quantum hybrid, traffic recorded today could be decrypted once large
 * quantum computers exist ("harvest now, decrypt later"): low, not higher,
 * since it is no weakness against today's attackers.
 */
export function tlsKeyExchangeFinding(keyExchange: KeyExchangeGroups = runtimeKeyExchangeGroups()): Finding {
  const runtime = `Node ${process.version} (OpenSSL ${process.versions.openssl})`;
  if (keyExchange.postQuantum) {
    return {
      severity: 'info',
      finding: `TLS key exchange: ${runtime} offers ${keyExchange.groups.join(', ')}, the post-quantum hybrid first.`,
      fix: 'Nothing to do; clients without the hybrid use the classic groups.',
    };
  }
  return {
    severity: 'low',
    finding:
      `TLS key exchange: ${runtime} cannot offer the post-quantum hybrid ${POST_QUANTUM_GROUP}; ` +
      `only ${keyExchange.groups.join(', ')}.`,
    fix: 'Run the API on Node 24 (OpenSSL 3.5 or later); it then offers the hybrid first by itself.',
  };
}

/** The doctor's check: about the runtime it runs on, whatever the configuration. */
export const tlsKeyExchangeCheck = (): Finding[] => [tlsKeyExchangeFinding()];
