import { createHash } from 'node:crypto';

/** prevHash of the first line of a new file. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditFields = Record<string, unknown>;

/**
 * One line of the audit file: the entry, the previous line's hash, then
 * hash = sha256(prevHash + "\n" + the line's JSON without "hash"). Editing,
 * deleting, inserting or reordering a line breaks every link after it.
 */
export function chainLine(entry: AuditFields, prevHash: string): { line: string; hash: string } {
  const { hash: _ignored, prevHash: _ignored2, ...rest } = entry;
  const body = { ...rest, prevHash };
  const hash = lineHash(prevHash, JSON.stringify(body));
  return { line: JSON.stringify({ ...body, hash }), hash };
}

export function lineHash(prevHash: string, canonicalBody: string): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalBody}`).digest('hex');
}

export type LineCheck = { ok: true; hash: string } | { ok: false; reason: string };

/** Checks one line against the hash the previous line ended with. */
export function checkLine(line: string, expectedPrevHash: string): LineCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'not a JSON object' };
  const { hash, ...body } = parsed as AuditFields;
  if (typeof hash !== 'string' || typeof body.prevHash !== 'string') return { ok: false, reason: 'no prevHash/hash' };
  if (body.prevHash !== expectedPrevHash) return { ok: false, reason: 'prevHash does not match the previous line' };
  // The exact bytes written, not merely an equivalent object: re-serialising
  // must give the line back, so even a reformatted line counts as changed.
  if (JSON.stringify({ ...body, hash }) !== line) return { ok: false, reason: 'line is not in canonical form' };
  if (lineHash(expectedPrevHash, JSON.stringify(body)) !== hash)
    return { ok: false, reason: 'hash does not match the line' };
  return { ok: true, hash };
}
