import * as ipaddr from 'ipaddr.js';
import { IpRangeList } from './ip-range-list';

const ip = (text: string): ipaddr.IPv4 | ipaddr.IPv6 => ipaddr.parse(text);

describe('IpRangeList', () => {
  describe('parse', () => {
    it.each(['', '   ', '\t'])('treats %j as an empty list that matches nothing', (value) => {
      const list = IpRangeList.parse(value, 'IP_ALLOWLIST');
      expect(list.isEmpty).toBe(true);
      expect(list.entries()).toEqual([]);
      expect(list.matchesEverything()).toBe(false);
      expect(list.contains(ip('127.0.0.1'))).toBe(false);
      expect(list.contains(ip('::1'))).toBe(false);
    });

    it('parses CIDRs and single addresses of both kinds, trimming whitespace', () => {
      const list = IpRangeList.parse(' 10.0.0.0/8 ,127.0.0.1, 2001:DB8::/32 ,\t::1 ', 'TRUSTED_PROXIES');
      expect(list.isEmpty).toBe(false);
      expect(list.entries()).toEqual(['10.0.0.0/8', '127.0.0.1/32', '2001:db8::/32', '::1/128']);
    });

    it('normalises IPv4-mapped IPv6 ranges and addresses to IPv4', () => {
      const list = IpRangeList.parse('::ffff:10.0.0.0/104, ::ffff:192.168.1.1, ::ffff:0:0/96', 'X');
      expect(list.entries()).toEqual(['10.0.0.0/8', '192.168.1.1/32', '0.0.0.0/0']);
      expect(list.contains(ip('10.9.8.7'))).toBe(true);
    });

    it.each([
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '/8',
      '10.0.0.0/8/8',
      '10.0.0.0/08',
      '10.0.0.0/+8',
      '10.0.0.0/-1',
      '10.0.0.0/8.0',
      '10.0.0.0 /8',
      'not-an-ip',
      '10.0.0.256',
      '[::1]',
      '1.2.3.4:80',
    ])('rejects malformed entry %s with a message naming variable and entry', (entry) => {
      expect(() => IpRangeList.parse(`127.0.0.1, ${entry}`, 'IP_ALLOWLIST')).toThrow(
        new Error(`IP_ALLOWLIST: ${JSON.stringify(entry)} is not a valid IP address or CIDR range`),
      );
    });

    it('uses the exact documented message format', () => {
      expect(() => IpRangeList.parse('10.0.0.0/33', 'IP_ALLOWLIST')).toThrow(
        'IP_ALLOWLIST: "10.0.0.0/33" is not a valid IP address or CIDR range',
      );
    });

    it.each([
      '0177.0.0.1',
      '0x7f.0.0.1',
      '2130706433',
      '127.1',
      '0177.0.0.0/8',
      '127.0.0.01/32',
      '::ffff:0177.0.0.1',
      '::127.0.0.1',
    ])('rejects non-canonical IPv4 entry %s', (entry) => {
      expect(() => IpRangeList.parse(entry, 'TRUSTED_PROXIES')).toThrow(
        `TRUSTED_PROXIES: ${JSON.stringify(entry)} is not a valid IP address or CIDR range`,
      );
    });

    it.each(['fe80::1%eth0', 'fe80::%eth0/64'])('rejects zone id in %s', (entry) => {
      expect(() => IpRangeList.parse(entry, 'TRUSTED_PROXIES')).toThrow(JSON.stringify(entry));
    });

    it.each(['10.0.0.0/8,', ',10.0.0.0/8', '10.0.0.0/8,,::1', '10.0.0.0/8, ,::1'])(
      'rejects empty entries in %j',
      (value) => {
        expect(() => IpRangeList.parse(value, 'IP_ALLOWLIST')).toThrow(
          'IP_ALLOWLIST: "" is not a valid IP address or CIDR range',
        );
      },
    );

    it.each([
      ['10.0.0.1/8', '10.0.0.0/8'],
      ['192.168.1.1/24', '192.168.1.0/24'],
      ['2001:db8::1/32', '2001:db8::/32'],
    ])('rejects %s because host bits are set, suggesting %s', (entry, network) => {
      expect(() => IpRangeList.parse(entry, 'IP_ALLOWLIST')).toThrow(
        `IP_ALLOWLIST: ${JSON.stringify(entry)} has host bits set; did you mean "${network}"?`,
      );
    });
  });

  describe('contains', () => {
    const list = IpRangeList.parse('10.0.0.0/8, 192.168.1.10, 2001:db8::/32, ::1', 'IP_ALLOWLIST');

    it.each([
      ['10.0.0.0', true],
      ['10.255.255.255', true],
      ['11.0.0.0', false],
      ['9.255.255.255', false],
      ['192.168.1.10', true],
      ['192.168.1.11', false],
    ])('matches IPv4 %s -> %s', (address, expected) => {
      expect(list.contains(ip(address))).toBe(expected);
    });

    it.each([
      ['2001:db8::1', true],
      ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['2001:db9::', false],
      ['::1', true],
      ['::2', false],
    ])('matches IPv6 %s -> %s', (address, expected) => {
      expect(list.contains(ip(address))).toBe(expected);
    });

    it('matches an IPv4-mapped IPv6 address against the IPv4 ranges', () => {
      expect(list.contains(ip('::ffff:10.1.2.3'))).toBe(true);
      expect(list.contains(ip('::ffff:192.168.1.10'))).toBe(true);
      expect(list.contains(ip('::ffff:11.1.2.3'))).toBe(false);
    });

    it('never matches across kinds and never throws', () => {
      const v4Only = IpRangeList.parse('0.0.0.0/0', 'X');
      const v6Only = IpRangeList.parse('::/0', 'X');
      expect(() => v4Only.contains(ip('2001:db8::1'))).not.toThrow();
      expect(v4Only.contains(ip('2001:db8::1'))).toBe(false);
      expect(() => v6Only.contains(ip('10.0.0.1'))).not.toThrow();
      expect(v6Only.contains(ip('10.0.0.1'))).toBe(false);
      // A mapped address is an IPv4 client: it matches IPv4 ranges only.
      expect(v4Only.contains(ip('::ffff:10.0.0.1'))).toBe(true);
      expect(v6Only.contains(ip('::ffff:10.0.0.1'))).toBe(false);
    });

    it('does not confuse an IPv6 address whose bits spell an IPv4 range', () => {
      // ::a00:1 shares its low 32 bits with 10.0.0.1 but is not IPv4-mapped.
      expect(list.contains(ip('::a00:1'))).toBe(false);
    });

    it('never matches a zone-scoped address', () => {
      const linkLocal = IpRangeList.parse('fe80::/10', 'X');
      expect(linkLocal.contains(ip('fe80::1'))).toBe(true);
      expect(linkLocal.contains(ip('fe80::1%eth0'))).toBe(false);
    });
  });

  describe('matchesEverything', () => {
    it.each([
      ['0.0.0.0/0, ::/0', true],
      ['::/0, 10.0.0.0/8, 0.0.0.0/0', true],
      ['0.0.0.0/0', false],
      ['::/0', false],
      ['0.0.0.0/1, 128.0.0.0/1, ::/0', false],
    ])('%s -> %s', (value, expected) => {
      expect(IpRangeList.parse(value, 'X').matchesEverything()).toBe(expected);
    });
  });

  it('returns a copy of its entries', () => {
    const list = IpRangeList.parse('10.0.0.0/8', 'X');
    list.entries().push('0.0.0.0/0');
    expect(list.entries()).toEqual(['10.0.0.0/8']);
  });
});
