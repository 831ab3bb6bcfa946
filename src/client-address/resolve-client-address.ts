import type { IpRangeList } from './ip-range-list';
import { parseCanonicalIp } from './parse-ip';

// X-Forwarded-For is attacker-controlled up to the first trusted hop, so its
// size is capped before any splitting or parsing work. Exceeding either limit
// makes the address unknown (and therefore not allowed) rather than guessing.
const MAX_FORWARDED_FOR_LENGTH = 8 * 1024;
const MAX_FORWARDED_FOR_ENTRIES = 64;

/**
 * Determines the client address of a request.
 *
 * X-Forwarded-For is only consulted when the socket peer is a trusted proxy;
 * otherwise any client could claim an arbitrary address. The header is then
 * walked from the right (the hop appended by our own proxy) to the left,
 * skipping trusted proxies, and the first untrusted hop is the client: entries
 * further left were written by that client and cannot be believed. If every
 * hop is trusted, the leftmost one is the client.
 *
 * Returns the canonical address string, or null when the address cannot be
 * determined with confidence. Callers must treat null as "not allowed".
 */
export function resolveClientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: IpRangeList,
): string | null {
  const peer = socketAddress === undefined ? null : parseCanonicalIp(socketAddress);
  if (peer === null) {
    return null;
  }
  if (trustedProxies.isEmpty || !trustedProxies.contains(peer)) {
    return peer.toString();
  }

  const hops = splitForwardedFor(forwardedFor);
  if (hops === null) {
    return null;
  }
  for (let index = hops.length - 1; index >= 0; index--) {
    // An unparseable hop yields null rather than skipping to the next entry:
    // it may be a non-canonical spelling of a trusted or allowlisted address,
    // and nothing to its left can be trusted anyway.
    const hop = parseCanonicalIp(hops[index]);
    if (hop === null) {
      return null;
    }
    if (index === 0 || !trustedProxies.contains(hop)) {
      return hop.toString();
    }
  }
  // No header at all: the trusted peer itself is the leftmost hop.
  return peer.toString();
}

/**
 * Returns the header's entries in order, an empty array when the header is
 * absent, or null when it is malformed or exceeds the abuse limits.
 */
function splitForwardedFor(forwardedFor: string | string[] | undefined): string[] | null {
  if (forwardedFor === undefined) {
    return [];
  }
  const values = typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor;
  if (!Array.isArray(values)) {
    return null;
  }
  if (values.length === 0) {
    return [];
  }

  // Size is checked before joining so that a huge array is rejected without
  // building a huge string; each joining comma counts towards the limit.
  let totalLength = values.length - 1;
  for (const value of values) {
    if (typeof value !== 'string') {
      return null;
    }
    totalLength += value.length;
    if (totalLength > MAX_FORWARDED_FOR_LENGTH) {
      return null;
    }
  }

  // Multiple header lines are equivalent to one comma-joined line (RFC 9110
  // section 5.3), in the order received.
  const header = values.join(',');
  let separators = 0;
  for (let at = header.indexOf(','); at !== -1; at = header.indexOf(',', at + 1)) {
    separators++;
    if (separators >= MAX_FORWARDED_FOR_ENTRIES) {
      return null;
    }
  }

  const entries = header.split(',');
  // An empty entry means the header was mangled or crafted; refuse it rather
  // than letting neighbouring entries shift into its place.
  if (entries.some((entry) => entry.trim() === '')) {
    return null;
  }
  return entries;
}
