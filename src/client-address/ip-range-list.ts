import * as ipaddr from 'ipaddr.js';
import { parseStrictIp } from './parse-ip';

type IPv4Range = readonly [network: ipaddr.IPv4, prefixLength: number];
type IPv6Range = readonly [network: ipaddr.IPv6, prefixLength: number];

// Decimal without leading zeros: `/08` or `/+8` would be accepted by
// parseInt but are not what an operator meant to write.
const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;
const IPV4_MAPPED_PREFIX_LENGTH = 96;

/**
 * An immutable set of IPv4 and IPv6 CIDR ranges, e.g. an allowlist or the
 * list of trusted reverse proxies, parsed once from configuration.
 */
export class IpRangeList {
  private constructor(
    private readonly ipv4Ranges: readonly IPv4Range[],
    private readonly ipv6Ranges: readonly IPv6Range[],
  ) {}

  /**
   * Parses a comma-separated list of CIDR ranges and single addresses.
   * Configuration errors fail loudly (naming the variable and the entry) so a
   * typo can never silently widen or empty an allowlist. Entries are held to
   * the same canonical syntax as request addresses, empty entries are refused,
   * and a range with host bits set (`10.0.0.1/8`) is refused because it
   * usually means the operator meant something narrower than what it matches.
   */
  static parse(value: string, variableName: string): IpRangeList {
    const ipv4Ranges: IPv4Range[] = [];
    const ipv6Ranges: IPv6Range[] = [];
    if (value.trim() === '') {
      return new IpRangeList(ipv4Ranges, ipv6Ranges);
    }
    for (const entry of value.split(',')) {
      const { network, prefixLength } = parseRange(entry.trim(), variableName);
      if (isIPv6(network)) {
        ipv6Ranges.push([network, prefixLength]);
      } else {
        ipv4Ranges.push([network, prefixLength]);
      }
    }
    return new IpRangeList(ipv4Ranges, ipv6Ranges);
  }

  get isEmpty(): boolean {
    return this.ipv4Ranges.length === 0 && this.ipv6Ranges.length === 0;
  }

  /**
   * Never throws: ipaddr.js `match` throws when the kinds differ, so each
   * address is only compared with ranges of its own kind. An IPv4-mapped IPv6
   * address is the IPv4 client behind a dual-stack socket and is matched as
   * IPv4. A zone-scoped address never matches, since a range carries no zone.
   */
  contains(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    if (!isIPv6(address)) {
      return this.containsIPv4(address);
    }
    if (address.zoneId) {
      return false;
    }
    if (address.isIPv4MappedAddress()) {
      return this.containsIPv4(address.toIPv4Address());
    }
    return this.ipv6Ranges.some(([network, prefixLength]) => address.match(network, prefixLength));
  }

  /** True when every IPv4 and every IPv6 address is contained. */
  matchesEverything(): boolean {
    return (
      this.ipv4Ranges.some(([, prefixLength]) => prefixLength === 0) &&
      this.ipv6Ranges.some(([, prefixLength]) => prefixLength === 0)
    );
  }

  /** Canonical `address/prefix` form of every entry, IPv4 first. */
  entries(): string[] {
    return [...this.ipv4Ranges, ...this.ipv6Ranges].map(
      ([network, prefixLength]) => `${network.toString()}/${prefixLength}`,
    );
  }

  private containsIPv4(address: ipaddr.IPv4): boolean {
    return this.ipv4Ranges.some(([network, prefixLength]) => address.match(network, prefixLength));
  }
}

// kind() rather than instanceof, so addresses created by another copy of
// ipaddr.js are still dispatched correctly instead of silently not matching.
function isIPv6(address: ipaddr.IPv4 | ipaddr.IPv6): address is ipaddr.IPv6 {
  return address.kind() === 'ipv6';
}

function parseRange(entry: string, variableName: string): { network: ipaddr.IPv4 | ipaddr.IPv6; prefixLength: number } {
  const invalid = (): Error =>
    new Error(`${variableName}: ${JSON.stringify(entry)} is not a valid IP address or CIDR range`);

  const parts = entry.split('/');
  if (parts.length > 2) {
    throw invalid();
  }
  const address = parseStrictIp(parts[0]);
  if (address === null) {
    throw invalid();
  }
  const maxPrefixLength = address.kind() === 'ipv4' ? 32 : 128;
  let prefixLength = maxPrefixLength;
  if (parts.length === 2) {
    if (!PREFIX_LENGTH.test(parts[1])) {
      throw invalid();
    }
    prefixLength = Number(parts[1]);
    if (prefixLength > maxPrefixLength) {
      throw invalid();
    }
  }

  const network = networkAddress(address, prefixLength);
  if (network.toString() !== address.toString()) {
    throw new Error(
      `${variableName}: ${JSON.stringify(entry)} has host bits set; ` +
        `did you mean "${network.toString()}/${prefixLength}"?`,
    );
  }

  // Requests from IPv4-mapped addresses are matched as IPv4 (see contains), so
  // a mapped range must be stored as IPv4 too or it would never match. With
  // host bits rejected above, a mapped network always has a prefix >= 96.
  if (isIPv6(network) && network.isIPv4MappedAddress()) {
    return { network: network.toIPv4Address(), prefixLength: prefixLength - IPV4_MAPPED_PREFIX_LENGTH };
  }
  return { network, prefixLength };
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, prefixLength: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const mask = isIPv6(address)
    ? ipaddr.IPv6.subnetMaskFromPrefixLength(prefixLength)
    : ipaddr.IPv4.subnetMaskFromPrefixLength(prefixLength);
  const maskBytes = mask.toByteArray();
  return ipaddr.fromByteArray(address.toByteArray().map((byte, index) => byte & maskBytes[index]));
}
