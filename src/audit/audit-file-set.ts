import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkLine, GENESIS_HASH } from './audit-chain';

const TAIL_BYTES = 64 * 1024;

/**
 * AUDIT_LOG_FILE and its rotated predecessors `<name>.1` (newest) …
 * `<name>.N` (oldest) form one chain: the first line of each file carries
 * the hash of the last line of the file before it.
 */
export function rotatedPath(path: string, index: number): string {
  return `${path}.${index}`;
}

/** The set's files, oldest first, ending with `path` itself (listed even when absent). */
export function auditFileSet(path: string): string[] {
  const prefix = `${basename(path)}.`;
  const indexes = readdirSync(dirname(path))
    .filter((name) => name.startsWith(prefix) && /^[1-9]\d*$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => b - a);
  return [...indexes.map((index) => rotatedPath(path, index)), path];
}

/**
 * The hash the chain ends with: the last line of `path`, or, when `path` is
 * empty or missing (just rotated), of `<name>.1`; GENESIS_HASH for a new set.
 * Throws when that line is incomplete or not a valid entry: appending after
 * it would hide the damage.
 */
export function chainEnd(path: string): string {
  for (const candidate of [path, rotatedPath(path, 1)]) {
    const hash = lastHashOf(candidate);
    if (hash !== null) return hash;
  }
  return GENESIS_HASH;
}

/** Null for a missing or empty file. */
function lastHashOf(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (lines[lines.length - 1] !== '') {
      throw new Error(`AUDIT_LOG_FILE ${path}: the last line is incomplete; check the file with npm run audit:verify`);
    }
    const last = lines[lines.length - 2] ?? '';
    let parsed: { prevHash?: unknown } = {};
    try {
      parsed = JSON.parse(last) as { prevHash?: unknown };
    } catch {
      // reported below
    }
    const check = typeof parsed.prevHash === 'string' ? checkLine(last, parsed.prevHash) : null;
    if (!check || !check.ok) {
      throw new Error(
        `AUDIT_LOG_FILE ${path}: the last line is not a valid audit entry; check the file with npm run audit:verify`,
      );
    }
    return check.hash;
  } finally {
    closeSync(fd);
  }
}

/**
 * `<name>.keep-1` → `<name>.keep` … `<name>` → `<name>.1`; the oldest beyond
 * `keep` is deleted. Called only under the set's lock.
 */
export async function rotate(path: string, keep: number): Promise<void> {
  for (const file of auditFileSet(path)) {
    const index = file === path ? 0 : Number(file.slice(path.length + 1));
    if (index >= keep) await unlink(file);
  }
  for (let index = keep - 1; index >= 0; index -= 1) {
    const from = index === 0 ? path : rotatedPath(path, index);
    try {
      await rename(from, rotatedPath(path, index + 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

export function lockPathOf(path: string): string {
  return join(dirname(path), `${basename(path)}.lock`);
}
