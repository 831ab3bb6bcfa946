import type { ServerOptions } from 'node:https';

// Node's default TLS 1.2 list still accepts CBC-mode suites and static-RSA key exchange
// (no forward secrecy); Mozilla's "intermediate" set keeps only ECDHE + AEAD suites.
// TLS 1.3 suites (TLS_*) are configured separately by Node, so their defaults stay in effect.
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** `groups`: the key exchange groups in preference order (runtimeKeyExchangeGroups()). */
export function buildTlsOptions(cert: Buffer, key: Buffer, groups: readonly string[]): ServerOptions {
  return {
    cert,
    key,
    // Explicit so a NODE_OPTIONS=--tls-min-v1.0 in some environment cannot silently re-enable TLS 1.0/1.1.
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    // Lets the server's ordering above win over clients that prefer weaker suites.
    honorCipherOrder: true,
    // The server's order wins here too: a client offering both the post-quantum hybrid and X25519
    // gets the hybrid whenever it sent a key share for it.
    ecdhCurve: groups.join(':'),
  };
}
