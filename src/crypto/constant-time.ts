import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets without leaking, through timing, where they first
 * differ. timingSafeEqual alone requires equal lengths, and returning early on
 * a length mismatch would leak the expected length; hashing both sides first
 * gives two 32-byte digests, so the comparison time is independent of both
 * the contents and the lengths of the inputs (beyond hashing cost).
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}
