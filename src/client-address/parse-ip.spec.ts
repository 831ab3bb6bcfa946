import * as ipaddr from 'ipaddr.js';
import { parseCanonicalIp, parseStrictIp } from './parse-ip';

describe('parseCanonicalIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['10.20.30.40', '10.20.30.40'],
  ])('accepts canonical IPv4 %s', (input, expected) => {
    const address = parseCanonicalIp(input);
    expect(address?.kind()).toBe('ipv4');
    expect(address?.toString()).toBe(expected);
  });

  it.each([
    ['::1', '::1'],
    ['::', '::'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['fe80::1', 'fe80::1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
    ['0:0:0:0:0:0:1.2.3.4', '::102:304'],
  ])('accepts IPv6 %s and renders it compactly', (input, expected) => {
    const address = parseCanonicalIp(input);
    expect(address?.kind()).toBe('ipv6');
    expect(address?.toString()).toBe(expected);
  });

  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.5', '127.0.0.5'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:192.168.1.1', '192.168.1.1'],
  ])('returns IPv4-mapped IPv6 %s as IPv4', (input, expected) => {
    const address = parseCanonicalIp(input);
    expect(address?.kind()).toBe('ipv4');
    expect(address?.toString()).toBe(expected);
  });

  it('trims surrounding spaces and tabs', () => {
    expect(parseCanonicalIp('  1.2.3.4\t')?.toString()).toBe('1.2.3.4');
    expect(parseCanonicalIp(' ::1 ')?.toString()).toBe('::1');
  });

  it.each([
    ['octal', '0177.0.0.1'],
    ['octal octet', '127.0.0.01'],
    ['leading zero', '010.0.0.1'],
    ['hexadecimal', '0x7f.0.0.1'],
    ['hexadecimal octet', '127.0.0.0x1'],
    ['single 32-bit number', '2130706433'],
    ['hexadecimal number', '0x7f000001'],
    ['two parts', '127.1'],
    ['three parts', '127.0.1'],
    ['five parts', '1.2.3.4.5'],
    ['octet out of range', '256.0.0.1'],
    ['trailing dot', '1.2.3.4.'],
    ['sign', '+1.2.3.4'],
    ['non-ASCII digits', '١.٢.٣.٤'],
  ])('rejects non-canonical IPv4 (%s): %s', (_, input) => {
    expect(parseCanonicalIp(input)).toBeNull();
  });

  it.each([
    ['octal in mapped IPv4', '::ffff:0177.0.0.1'],
    ['hex in mapped IPv4', '::ffff:0x7f.0.0.1'],
    ['short mapped IPv4', '::ffff:127.1'],
    ['deprecated IPv4-compatible', '::127.0.0.1'],
    ['zone id', 'fe80::1%eth0'],
    ['numeric zone id', 'fe80::1%1'],
    ['mapped with zone id', '::ffff:127.0.0.1%eth0'],
    ['brackets', '[::1]'],
    ['brackets and port', '[::1]:443'],
    ['two double colons', '1::2::3'],
    ['triple colon', ':::1'],
    ['leading single colon', ':1:2:3:4:5:6:7'],
    ['trailing single colon', '1:2:3:4:5:6:7:'],
    ['too few groups', '1:2:3'],
    ['too many groups', '1:2:3:4:5:6:7:8:9'],
    ['double colon with eight groups', '1:2:3:4:5:6:7::8'],
    ['five-digit group', '00001::1'],
    ['non-hex character', '2001:db8::g'],
    ['embedded IPv4 too many groups', '1:2:3:4:5:6:7:1.2.3.4'],
    ['embedded IPv4 not last', '1.2.3.4::1'],
  ])('rejects malformed IPv6 (%s): %s', (_, input) => {
    expect(parseCanonicalIp(input)).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['whitespace only', '   '],
    ['IPv4 with port', '1.2.3.4:80'],
    ['hostname', 'localhost'],
    ['CIDR', '10.0.0.0/8'],
    ['obfuscated with "unknown"', 'unknown'],
    ['newline', '1.2.3.4\n'],
    ['inner space', '1.2.3. 4'],
    ['non-breaking space', '\u00a01.2.3.4'],
    ['too long', `${'0:'.repeat(22)}0`],
    ['very long', '1'.repeat(100_000)],
  ])('rejects anything else (%s)', (_, input) => {
    expect(parseCanonicalIp(input)).toBeNull();
  });

  it('returns null instead of throwing for non-string input', () => {
    expect(parseCanonicalIp(undefined as unknown as string)).toBeNull();
    expect(parseCanonicalIp(42 as unknown as string)).toBeNull();
  });

  it('accepts the longest valid form (45 characters)', () => {
    const longest = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255';
    expect(longest).toHaveLength(45);
    expect(parseCanonicalIp(longest)?.toString()).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });
});

describe('parseStrictIp', () => {
  it('keeps IPv4-mapped addresses as IPv6', () => {
    const address = parseStrictIp('::ffff:10.0.0.1');
    expect(address).toBeInstanceOf(ipaddr.IPv6);
    expect((address as ipaddr.IPv6).isIPv4MappedAddress()).toBe(true);
  });

  it('does not trim', () => {
    expect(parseStrictIp(' 1.2.3.4')).toBeNull();
  });
});
