import { createSecureContext } from 'node:tls';

/**
 * The hybrid post-quantum group (X25519 + ML-KEM-768) that Chrome, Firefox and
 * Cloudflare use by default. A session recorded today cannot be decrypted later
 * by a quantum computer ("harvest now, decrypt later") unless both halves break.
 * OpenSSL has it from 3.5 (Node 24, recent Node 22); OpenSSL 3.0 (Node 20) does not.
 */
export const POST_QUANTUM_GROUP = 'X25519MLKEM768';

/** Classic ECDHE groups: every TLS 1.2 client and every TLS 1.3 client without ML-KEM uses one of these. */
export const CLASSIC_GROUPS: readonly string[] = ['X25519', 'P-256', 'P-384'];

export interface KeyExchangeGroups {
  /** In server preference order, as OpenSSL's group list takes them. */
  groups: readonly string[];
  postQuantum: boolean;
}

/**
 * Whether this runtime's OpenSSL accepts the group. Tried rather than inferred
 * from version numbers: Node can be built against a system OpenSSL, and a
 * group list OpenSSL does not know makes the whole server refuse to start.
 */
export function runtimeSupportsGroup(group: string): boolean {
  try {
    createSecureContext({ ecdhCurve: group });
    return true;
  } catch {
    return false;
  }
}

/** The post-quantum hybrid first where the runtime has it, then the classic groups; otherwise the classic ones alone. */
export function selectKeyExchangeGroups(
  supports: (group: string) => boolean = runtimeSupportsGroup,
): KeyExchangeGroups {
  const postQuantum = supports(POST_QUANTUM_GROUP);
  return { groups: postQuantum ? [POST_QUANTUM_GROUP, ...CLASSIC_GROUPS] : [...CLASSIC_GROUPS], postQuantum };
}

let detected: KeyExchangeGroups | undefined;

/** selectKeyExchangeGroups for this runtime, detected once per process (the answer cannot change while it runs). */
export function runtimeKeyExchangeGroups(): KeyExchangeGroups {
  detected ??= selectKeyExchangeGroups();
  return detected;
}

/** The startup log line: which groups the server offers, and why ML-KEM is missing when it is. */
export function describeKeyExchangeGroups({ groups, postQuantum }: KeyExchangeGroups): string {
  const offered = `TLS key exchange groups offered: ${groups.join(', ')}`;
  if (postQuantum) return `${offered} (post-quantum hybrid first)`;
  return (
    `${offered}; no post-quantum hybrid: ${POST_QUANTUM_GROUP} needs OpenSSL 3.5 or later ` +
    `(this is Node ${process.version} with OpenSSL ${process.versions.openssl}; Node 24 has it)`
  );
}
