import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { lock } from 'proper-lockfile';
import { lockPathOf } from './audit-file-set';
import { AuditWriter, type AuditWriterOptions } from './audit-writer';
import { verifyAuditLog } from './verify-audit-log';

const read = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition never held');
};

describe('AuditWriter', () => {
  let dir: string;
  let file: string;
  let logLines: Record<string, unknown>[];
  let options: AuditWriterOptions;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-writer-'));
    file = join(dir, 'audit.log');
    logLines = [];
    const logger = pino(new Writable({ write: (c, _e, done) => (logLines.push(JSON.parse(String(c))), done()) }));
    options = { maxBytes: 1024 * 1024, keep: 3, queueMax: 10_000, logger };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes queued events in order, in batches, and close() writes the rest', async () => {
    const writer = await AuditWriter.open(file, options);
    for (let n = 0; n < 700; n += 1) writer.enqueue({ event: 'x', n });
    // Nothing is written on the caller's turn of the event loop.
    expect(readFileSync(file, 'utf8')).toBe('');
    await writer.close();
    expect(read(file).map((l) => l.n)).toEqual(Array.from({ length: 700 }, (_, n) => n));
    await expect(verifyAuditLog(file)).resolves.toMatchObject({ ok: true, count: 700 });
  });

  it('rotates past maxBytes, keeps `keep` files, and the chain runs across them', async () => {
    const writer = await AuditWriter.open(file, { ...options, maxBytes: 4096 });
    for (let n = 0; n < 300; n += 1) {
      writer.enqueue({ event: 'x', n, pad: 'p'.repeat(100) });
      if (n % 20 === 19) await until(() => writer.queued === 0);
    }
    await writer.close();
    const first = read(`${file}.3`)[0];
    expect(read(`${file}.2`)[0].prevHash).toBe(read(`${file}.3`).at(-1)?.hash);
    expect(read(file)[0].prevHash).toBe(read(`${file}.1`).at(-1)?.hash);
    expect(() => readFileSync(`${file}.4`)).toThrow();
    expect(read(file).at(-1)?.n).toBe(299);
    const result = await verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, files: 4, startsAfterRotation: true });
    expect(first.prevHash).not.toBe('0'.repeat(64));

    // An edited line in a rotated file is found, with its file.
    const lines = readFileSync(`${file}.2`, 'utf8').split('\n');
    lines[1] = lines[1].replace('"n":', '"n":1');
    writeFileSync(`${file}.2`, lines.join('\n'));
    await expect(verifyAuditLog(file)).resolves.toMatchObject({ ok: false, file: `${file}.2`, line: 2 });
  });

  it('two writers on one file keep one chain (the lock, and the last hash re-read under it)', async () => {
    const a = await AuditWriter.open(file, { ...options, maxBytes: 8192, keep: 100 });
    const b = await AuditWriter.open(file, { ...options, maxBytes: 8192, keep: 100 });
    for (let n = 0; n < 400; n += 1) {
      (n % 2 ? a : b).enqueue({ event: 'x', n, writer: n % 2 ? 'a' : 'b' });
      if (n % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await Promise.all([a.close(), b.close()]);
    // Rotated several times by both writers, every event in one unbroken chain.
    const result = await verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, count: 400, startsAfterRotation: false });
    expect(result.ok && result.files).toBeGreaterThan(3);
  });

  it('over its bound: not ready, said once, refusals dropped, nothing else; ready again once drained', async () => {
    const writer = await AuditWriter.open(file, { ...options, queueMax: 5 });
    // Another writer (the CLI) holds the lock: nothing can be written meanwhile.
    const release = await lock(file, { realpath: false, lockfilePath: lockPathOf(file) });
    for (let n = 0; n < 8; n += 1) writer.enqueue({ event: 'e', n });
    writer.enqueue({ event: 'net.ip.refused' }, true);
    writer.enqueue({ event: 'e', n: 8 });
    expect(writer.status()).toEqual({ ready: false, reason: 'queue-over-bound' });
    expect(logLines.filter((l) => String(l.msg).includes('AUDIT_QUEUE_MAX'))).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readFileSync(file, 'utf8')).toBe('');
    await release();
    await until(() => writer.status().ready);
    await writer.close();
    expect(read(file).map((l) => l.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(logLines.find((l) => String(l.msg).includes('back under'))).toMatchObject({ droppedRefusalEvents: 1 });
  });

  it('refuses to open a file whose last line is incomplete', async () => {
    writeFileSync(file, '{"event":"x"');
    await expect(AuditWriter.open(file, options)).rejects.toThrow(/incomplete/);
  });
});
