import * as ipaddr from 'ipaddr.js';

// The longest textual IPv6 address (six hex groups plus a dotted quad) is 45
// characters. Anything longer is rejected before any regular expression runs,
// so attacker-sized strings never reach a parser.
const MAX_ADDRESS_LENGTH = 45;

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const IPV6_CHARACTERS = /^[0-9a-f:.]+$/i;

/**
 * Strictly parses an IP address literal without any normalisation: an
 * IPv4-mapped IPv6 address stays IPv6. Returns null for anything that is not
 * an unambiguous address.
 *
 * IPv4 must be canonical dotted-quad decimal. Legacy forms such as
 * `0177.0.0.1`, `0x7f.0.0.1`, `2130706433` or `127.1` are rejected because
 * different software reads them as different addresses, which is exactly what
 * an attacker needs to slip past an allowlist.
 *
 * IPv6 must follow the RFC 4291 text grammar. ipaddr.js alone is too lenient
 * for that: it accepts zone ids, octal/hex octets in an embedded IPv4 part
 * (reading `::ffff:0177.0.0.1` as 177.0.0.1) and turns the deprecated
 * IPv4-compatible form `::a.b.c.d` into the IPv4-mapped `::ffff:a.b.c.d`, so
 * the syntax is checked here first and ipaddr.js only computes the value.
 * Zone ids are refused because an allowlist cannot express which interface
 * an address belongs to.
 */
export function parseStrictIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ADDRESS_LENGTH) {
    return null;
  }
  if (!text.includes(':')) {
    return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
  }
  if (!isStrictIPv6Syntax(text)) {
    return null;
  }
  try {
    return ipaddr.IPv6.parse(text);
  } catch {
    return null;
  }
}

/**
 * Parses an address taken from a socket or a forwarding header. Surrounding
 * spaces and tabs (HTTP optional whitespace) are ignored; an IPv4-mapped IPv6
 * address is returned as the IPv4 address it carries, so that a dual-stack
 * socket reporting `::ffff:127.0.0.1` is treated like `127.0.0.1`.
 */
export function parseCanonicalIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (typeof text !== 'string') {
    return null;
  }
  const address = parseStrictIp(trimOptionalWhitespace(text));
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) {
    return address.toIPv4Address();
  }
  return address;
}

// Only SP and HTAB are stripped. String.prototype.trim() would also remove
// other Unicode whitespace and line terminators, letting look-alike input be
// normalised into a valid address instead of being rejected. A manual scan
// also avoids regex backtracking on long runs of whitespace.
function trimOptionalWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOptionalWhitespace(text.charCodeAt(start))) {
    start++;
  }
  while (end > start && isOptionalWhitespace(text.charCodeAt(end - 1))) {
    end--;
  }
  return text.slice(start, end);
}

function isOptionalWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

// RFC 4291 section 2.2: one to four hex digits per group, at most one `::`
// standing for one or more zero groups, and optionally a canonical
// dotted-quad in place of the last two groups.
function isStrictIPv6Syntax(text: string): boolean {
  if (!IPV6_CHARACTERS.test(text)) {
    return false;
  }
  let hexPart = text;
  let groupCount = 0;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (!ipaddr.IPv4.isValidFourPartDecimal(text.slice(lastColon + 1))) {
      return false;
    }
    hexPart = text.slice(0, lastColon + 1);
    // `::a.b.c.d` is the deprecated IPv4-compatible form, which ipaddr.js
    // misreads as IPv4-mapped; refuse it rather than guess.
    if (hexPart === '::') {
      return false;
    }
    if (!hexPart.endsWith('::')) {
      hexPart = hexPart.slice(0, -1);
    }
    groupCount = 2;
  }
  const halves = hexPart.split('::');
  if (halves.length > 2) {
    return false;
  }
  for (const half of halves) {
    if (half === '') {
      continue;
    }
    for (const group of half.split(':')) {
      if (!HEX_GROUP.test(group)) {
        return false;
      }
      groupCount++;
    }
  }
  return halves.length === 2 ? groupCount <= 7 : groupCount === 8;
}
