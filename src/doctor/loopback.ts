import { IpRangeList } from '../client-address/ip-range-list';
import { parseStrictIp } from '../client-address/parse-ip';

const LOOPBACK = IpRangeList.parse('127.0.0.0/8,::1/128', 'HOST');

/** A host name or address that only this machine reaches (`[::1]` as written in URLs too). */
export function isLoopback(host: string): boolean {
  const address = parseStrictIp(host.replace(/^\[(.*)\]$/, '$1'));
  return host === 'localhost' || (address !== null && LOOPBACK.contains(address));
}
