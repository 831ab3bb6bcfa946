import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkLine, GENESIS_HASH } from './audit-chain';
import { auditFileSet } from './audit-file-set';

export type VerifyResult =
  | { ok: true; count: number; files: number; startsAfterRotation: boolean }
  | { ok: false; count: number; file: string; line: number; reason: string };

/**
 * Walks the chain across the set, from the oldest rotated file
 * (`<name>.N`) to `<name>`: each file's first line must carry the hash of
 * the previous file's last line. Reports the first line that does not follow
 * from the one before it (file and 1-based line), and how many lines were
 * good before it.
 *
 * The very first line must start the chain (64 zeros), except in a rotated
 * file: once AUDIT_LOG_KEEP dropped the oldest files, the set starts where
 * they ended (startsAfterRotation), and what came before cannot be checked.
 * The last line itself is only as trustworthy as where its hash is kept:
 * compare it with a copy held elsewhere to catch a truncated tail.
 */
export async function verifyAuditLog(path: string): Promise<VerifyResult> {
  const files = auditFileSet(path);
  if (!existsSync(path) && files.length === 1) throw new Error(`${path} does not exist`);
  const gap = missingRotation(path, files);
  if (gap) return { ok: false, count: 0, file: gap, line: 0, reason: 'a rotated file is missing from the set' };
  let prevHash: string | null = files[0] === path ? GENESIS_HASH : null;
  let startsAfterRotation = false;
  let count = 0;
  for (const file of files) {
    if (!existsSync(file)) continue;
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (prevHash === null) {
        prevHash = claimedPrevHash(line);
        startsAfterRotation = prevHash !== GENESIS_HASH;
      }
      const check = checkLine(line, prevHash);
      if (!check.ok) {
        lines.close();
        return { ok: false, count, file, line: lineNumber, reason: check.reason };
      }
      prevHash = check.hash;
      count += 1;
    }
  }
  return { ok: true, count, files: files.filter(existsSync).length, startsAfterRotation };
}

/** The prevHash a line claims (checked against nothing: the start of a set whose beginning was rotated away). */
function claimedPrevHash(line: string): string {
  try {
    const parsed = JSON.parse(line) as { prevHash?: unknown };
    return typeof parsed.prevHash === 'string' ? parsed.prevHash : '';
  } catch {
    return '';
  }
}

/** `<name>.1` … `<name>.N` must all be there: a deleted middle file is reported as such. */
function missingRotation(path: string, files: string[]): string | null {
  const rotated = files.length - 1;
  for (let index = 1; index <= rotated; index += 1) {
    if (files[rotated - index] !== `${path}.${index}`) return `${path}.${index}`;
  }
  return null;
}
