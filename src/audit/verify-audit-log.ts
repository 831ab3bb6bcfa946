import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkLine, GENESIS_HASH } from './audit-chain';

export type VerifyResult =
  | { ok: true; count: number }
  | { ok: false; count: number; line: number; reason: string };

/**
 * Walks the chain from the first line. Reports the first line that does not
 * follow from the one before it (1-based), and how many lines were good
 * before it. The last line itself is only as trustworthy as where its hash
 * is kept: compare it with a copy held elsewhere to catch a truncated tail.
 */
export async function verifyAuditLog(path: string): Promise<VerifyResult> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let prevHash = GENESIS_HASH;
  let count = 0;
  for await (const line of lines) {
    const check = checkLine(line, prevHash);
    if (!check.ok) {
      lines.close();
      return { ok: false, count, line: count + 1, reason: check.reason };
    }
    prevHash = check.hash;
    count += 1;
  }
  return { ok: true, count };
}
