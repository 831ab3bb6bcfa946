const PLACEHOLDER = /change.?me|example|placeholder|your.?secret|dev.?secret|^(.)\1+$/i;
const HEX = /^[0-9a-f]+$/i;

/**
 * Returns why a secret is too weak to protect production, or null. 32 bytes is
 * the HMAC-SHA256 key size; fewer than 16 distinct characters in 32 or more
 * means a pattern or a word, not random material. Hex has only 16 symbols and
 * random hex often lacks one (a quarter of `openssl rand -hex 32` outputs
 * do), so hex is held to 12, which 64 random hex digits miss about once in
 * six million.
 */
export function secretWeakness(value: string): string | null {
  if (Buffer.byteLength(value, 'utf8') < 32) return 'must be at least 32 bytes';
  if (PLACEHOLDER.test(value)) return 'looks like a placeholder value';
  if (new Set(value).size < (HEX.test(value) ? 12 : 16)) return 'has too little variety to be random';
  return null;
}
