import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-1');

  it('round-trips and uses the compact v1 format', () => {
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(box.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('uses a fresh IV per seal', () => {
    expect(box.seal('same', 'user-1')).not.toBe(box.seal('same', 'user-1'));
  });

  it('round-trips empty and non-ASCII plaintexts', () => {
    expect(box.open(box.seal('', 'u'), 'u')).toBe('');
    expect(box.open(box.seal('clé 🔑', 'u'), 'u')).toBe('clé 🔑');
  });

  it('refuses a value bound to another user (wrong AAD)', () => {
    expect(() => box.open(sealed, 'user-2')).toThrow('sealed value cannot be opened');
  });

  it.each([1, 2, 3])('refuses a flipped bit in part %d', (index) => {
    const parts = sealed.split('.');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 0x01;
    parts[index] = bytes.toString('base64url');
    expect(() => box.open(parts.join('.'), 'user-1')).toThrow('sealed value cannot be opened');
  });

  it('refuses a value sealed under another key', () => {
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'user-1')).toThrow('sealed value cannot be opened');
  });

  it('refuses a truncated tag', () => {
    const parts = sealed.split('.');
    parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, 12).toString('base64url');
    expect(() => box.open(parts.join('.'), 'user-1')).toThrow('sealed value cannot be opened');
  });

  it('refuses a non-canonical encoding of a valid tag', () => {
    // The last of 22 base64url characters carries 4 unused bits, which a
    // lenient decoder ignores; flipping one yields the same tag bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = sealed.at(-1)!;
    const variant = sealed.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(variant.split('.')[3], 'base64url')).toEqual(Buffer.from(sealed.split('.')[3], 'base64url'));
    expect(() => box.open(variant, 'user-1')).toThrow('sealed value cannot be opened');
  });

  it.each([
    '',
    'garbage',
    'v1...',
    'v1.a.b.c',
    'v2' + sealed.slice(2),
    sealed + '.extra',
    sealed.replace(/\.([^.]+)$/, '.$1!'),
    null,
  ])('refuses malformed input %p', (input) => {
    expect(() => box.open(input as string, 'user-1')).toThrow('sealed value cannot be opened');
  });

  it('requires a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow();
  });
});
