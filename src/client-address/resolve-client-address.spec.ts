import { IpRangeList } from './ip-range-list';
import { resolveClientAddress } from './resolve-client-address';

const none = IpRangeList.parse('', 'TRUSTED_PROXIES');
const loopback = IpRangeList.parse('127.0.0.1/32', 'TRUSTED_PROXIES');
const internal = IpRangeList.parse('10.0.0.0/8, 127.0.0.1', 'TRUSTED_PROXIES');

describe('resolveClientAddress', () => {
  describe('socket address', () => {
    it.each([
      ['127.0.0.1', '127.0.0.1'],
      ['203.0.113.7', '203.0.113.7'],
      ['::1', '::1'],
      ['2001:DB8:0:0::1', '2001:db8::1'],
      ['::ffff:127.0.0.5', '127.0.0.5'],
    ])('resolves %s to %s without proxies', (socket, expected) => {
      expect(resolveClientAddress(socket, undefined, none)).toBe(expected);
    });

    it.each([undefined, '', 'localhost', 'fe80::1%eth0', '0177.0.0.1', '::127.0.0.1'])(
      'returns null for unusable socket address %j',
      (socket) => {
        expect(resolveClientAddress(socket, '1.2.3.4', loopback)).toBeNull();
        expect(resolveClientAddress(socket, undefined, none)).toBeNull();
      },
    );

    it('treats a mapped socket address as its IPv4 form when checking trust', () => {
      expect(resolveClientAddress('::ffff:127.0.0.1', '1.2.3.4', loopback)).toBe('1.2.3.4');
    });
  });

  describe('untrusted peer', () => {
    it('ignores a spoofed X-Forwarded-For when no proxy is trusted', () => {
      expect(resolveClientAddress('203.0.113.7', '127.0.0.1', none)).toBe('203.0.113.7');
      expect(resolveClientAddress('203.0.113.7', ['10.0.0.1', '127.0.0.1'], none)).toBe('203.0.113.7');
    });

    it('ignores X-Forwarded-For when the peer is not a trusted proxy', () => {
      expect(resolveClientAddress('203.0.113.7', '127.0.0.1', loopback)).toBe('203.0.113.7');
    });

    it('does not even inspect a malformed or oversized header from an untrusted peer', () => {
      expect(resolveClientAddress('203.0.113.7', 'garbage,,', loopback)).toBe('203.0.113.7');
      expect(resolveClientAddress('203.0.113.7', '1.1.1.1,'.repeat(1000), loopback)).toBe('203.0.113.7');
    });
  });

  describe('trusted peer', () => {
    it('takes the rightmost hop appended by the trusted proxy', () => {
      expect(resolveClientAddress('127.0.0.1', '1.2.3.4, 5.6.7.8', loopback)).toBe('5.6.7.8');
    });

    it('skips trusted hops from right to left', () => {
      expect(resolveClientAddress('127.0.0.1', '9.9.9.9, 10.0.0.5', internal)).toBe('9.9.9.9');
      expect(resolveClientAddress('10.0.0.1', '9.9.9.9,10.0.0.7,10.0.0.5', internal)).toBe('9.9.9.9');
    });

    it('never takes a spoofed leftmost entry', () => {
      expect(resolveClientAddress('127.0.0.1', '10.0.0.1, 203.0.113.7', internal)).toBe('203.0.113.7');
      expect(resolveClientAddress('127.0.0.1', '127.0.0.1, 203.0.113.7', loopback)).toBe('203.0.113.7');
    });

    it('takes the leftmost hop when every hop is trusted', () => {
      expect(resolveClientAddress('127.0.0.1', '10.0.0.9, 10.0.0.5', internal)).toBe('10.0.0.9');
    });

    it('takes the trusted peer itself when there is no header', () => {
      expect(resolveClientAddress('127.0.0.1', undefined, loopback)).toBe('127.0.0.1');
      expect(resolveClientAddress('127.0.0.1', [], loopback)).toBe('127.0.0.1');
    });

    it('joins multiple header values in order', () => {
      expect(resolveClientAddress('127.0.0.1', ['1.2.3.4, 5.6.7.8', '9.9.9.9'], loopback)).toBe('9.9.9.9');
      expect(resolveClientAddress('127.0.0.1', ['9.9.9.9', '10.0.0.5'], internal)).toBe('9.9.9.9');
    });

    it('returns canonical forms of forwarded addresses', () => {
      expect(resolveClientAddress('127.0.0.1', '2001:DB8:0::1', loopback)).toBe('2001:db8::1');
      expect(resolveClientAddress('127.0.0.1', '::ffff:203.0.113.7', loopback)).toBe('203.0.113.7');
      expect(resolveClientAddress('127.0.0.1', '\t203.0.113.7 ', loopback)).toBe('203.0.113.7');
    });

    it('recognises a mapped forwarded hop as a trusted IPv4 proxy', () => {
      expect(resolveClientAddress('127.0.0.1', '9.9.9.9, ::ffff:10.0.0.5', internal)).toBe('9.9.9.9');
    });

    it.each([
      ['octal', '0177.0.0.1'],
      ['hexadecimal', '0x7f.0.0.1'],
      ['integer', '2130706433'],
      ['short form', '127.1'],
      ['leading zero', '127.0.0.01'],
      ['mapped octal', '::ffff:0177.0.0.1'],
      ['zone id', 'fe80::1%eth0'],
      ['brackets', '[::1]'],
      ['port', '1.2.3.4:5678'],
      ['obfuscated', 'unknown'],
      ['hostname', 'example.com'],
    ])('returns null for a non-canonical rightmost hop (%s), never a fallback', (_, hop) => {
      expect(resolveClientAddress('127.0.0.1', `1.2.3.4, ${hop}`, loopback)).toBeNull();
      expect(resolveClientAddress('127.0.0.1', hop, loopback)).toBeNull();
    });

    it('returns null for a non-canonical hop behind trusted hops', () => {
      expect(resolveClientAddress('127.0.0.1', '1.2.3.4, 0177.0.0.1, 10.0.0.5', internal)).toBeNull();
    });

    it('ignores junk to the left of the client hop', () => {
      expect(resolveClientAddress('127.0.0.1', 'junk, 0177.0.0.1, 5.6.7.8', loopback)).toBe('5.6.7.8');
    });

    it.each(['1.2.3.4,,5.6.7.8', ',5.6.7.8', '5.6.7.8,', '1.2.3.4, ,5.6.7.8', '', ' '])(
      'returns null for empty entries in %j',
      (header) => {
        expect(resolveClientAddress('127.0.0.1', header, loopback)).toBeNull();
      },
    );

    it('returns null for an empty header value among several', () => {
      expect(resolveClientAddress('127.0.0.1', ['1.2.3.4', ''], loopback)).toBeNull();
    });
  });

  describe('abuse limits', () => {
    it('accepts exactly 64 entries', () => {
      const header = [...Array(63).fill('10.0.0.1'), '9.9.9.9'].join(',');
      expect(resolveClientAddress('127.0.0.1', header, loopback)).toBe('9.9.9.9');
    });

    it('returns null for 65 entries', () => {
      const header = [...Array(64).fill('10.0.0.1'), '9.9.9.9'].join(',');
      expect(resolveClientAddress('127.0.0.1', header, loopback)).toBeNull();
    });

    it('returns null for 1000 entries without throwing', () => {
      const header = Array(1000).fill('10.0.0.1').join(', ');
      expect(() => resolveClientAddress('127.0.0.1', header, internal)).not.toThrow();
      expect(resolveClientAddress('127.0.0.1', header, internal)).toBeNull();
    });

    it('returns null for 1000 header values', () => {
      expect(resolveClientAddress('127.0.0.1', Array(1000).fill('9.9.9.9'), loopback)).toBeNull();
    });

    it('returns null for a header longer than 8 KiB', () => {
      const padded = `${' '.repeat(8 * 1024)}9.9.9.9`;
      expect(resolveClientAddress('127.0.0.1', padded, loopback)).toBeNull();
      expect(resolveClientAddress('127.0.0.1', [' '.repeat(4096), ' '.repeat(4096) + '9.9.9.9'], loopback)).toBeNull();
    });

    it('accepts a header of exactly 8 KiB', () => {
      const header = `${' '.repeat(8 * 1024 - '9.9.9.9'.length)}9.9.9.9`;
      expect(header).toHaveLength(8 * 1024);
      expect(resolveClientAddress('127.0.0.1', header, loopback)).toBe('9.9.9.9');
    });

    it('handles a multi-megabyte header and a huge array without throwing', () => {
      expect(resolveClientAddress('127.0.0.1', '1'.repeat(5_000_000), loopback)).toBeNull();
      expect(resolveClientAddress('127.0.0.1', Array(1_000_000).fill(''), loopback)).toBeNull();
    });

    it('returns null for non-string header values instead of throwing', () => {
      expect(resolveClientAddress('127.0.0.1', [42 as unknown as string], loopback)).toBeNull();
      expect(resolveClientAddress('127.0.0.1', 42 as unknown as string, loopback)).toBeNull();
    });
  });
});
