import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { type AuditFields, chainLine, checkLine, GENESIS_HASH } from './audit-chain';

const TAIL_BYTES = 64 * 1024;

/**
 * Appends security events to AUDIT_LOG_FILE, hash-chained. Opened with
 * O_APPEND; each line is written with one synchronous write and fsynced
 * before the call returns, so lines land whole, in order, and survive a
 * crash. The chain continues across restarts from the file's last line.
 * One writer per file: two instances must not share one.
 */
export class AuditFile {
  private readonly fd: number;
  private prevHash: string;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a+', 0o600);
    try {
      this.prevHash = lastHash(this.fd, path);
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  append(entry: AuditFields): void {
    const { line, hash } = chainLine(entry, this.prevHash);
    writeSync(this.fd, `${line}\n`);
    fsyncSync(this.fd);
    this.prevHash = hash;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The hash the last line ends with; GENESIS_HASH for an empty file. */
function lastHash(fd: number, path: string): string {
  const size = fstatSync(fd).size;
  if (size === 0) return GENESIS_HASH;
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
    throw new Error(`AUDIT_LOG_FILE ${path}: the last line is not a valid audit entry; check the file with npm run audit:verify`);
  }
  return check.hash;
}
