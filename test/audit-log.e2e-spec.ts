import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditLog } from '../src/audit/verify-audit-log';
import { register, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { removeDataDir, withTestApp } from './support/test-app';

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('AUDIT_LOG_FILE: hash-chained security events', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-audit-'));
  const file = join(dataDir, 'audit', 'security.log');
  const overrides = { AUDIT_LOG_FILE: file };

  afterAll(() => removeDataDir(dataDir));

  it('appends each event as a chained line, and the chain continues across a restart', async () => {
    const username = uniqueUsername('audit');
    await withTestApp(
      overrides,
      async ({ client }) => {
        await register(client, username);
        await client.post('/auth/login', { body: { username, password: 'wrong password for the audit test' } });
      },
      { dataDir },
    );
    const before = lines(file);
    expect(before.map((l) => l.event)).toEqual(['auth.register', 'auth.login.failed']);
    expect(before[0]).toMatchObject({ prevHash: '0'.repeat(64), username, clientAddress: '127.0.0.1' });
    expect(before[0].time).toMatch(/Z$/);
    expect(before[0].requestId).toEqual(expect.any(String));
    expect(before[1].prevHash).toBe(before[0].hash);

    await withTestApp(
      overrides,
      async ({ client }) => {
        await client.post('/auth/login', { body: { username, password: STRONG_PASSWORD } });
      },
      { dataDir },
    );
    const after = lines(file);
    expect(after).toHaveLength(3);
    expect(after[2]).toMatchObject({ event: 'auth.login.password_ok', prevHash: before[1].hash });
    expect(readFileSync(file, 'utf8')).not.toContain(STRONG_PASSWORD);
    await expect(verifyAuditLog(file)).resolves.toEqual({ ok: true, count: 3, files: 1, startsAfterRotation: false });
  }, 30_000);

  it('reports the first tampered line, from the function and from the CLI', async () => {
    const original = readFileSync(file, 'utf8');
    const edited = original.split('\n');
    edited[1] = edited[1].replace('auth.login.failed', 'auth.login.password_ok');
    const tampered = join(dataDir, 'tampered.log');
    writeFileSync(tampered, edited.join('\n'));
    await expect(verifyAuditLog(tampered)).resolves.toMatchObject({ ok: false, line: 2, count: 1 });

    // A deleted line breaks the link of the one after it.
    const deleted = join(dataDir, 'deleted.log');
    writeFileSync(
      deleted,
      original
        .split('\n')
        .filter((_, i) => i !== 0)
        .join('\n'),
    );
    await expect(verifyAuditLog(deleted)).resolves.toMatchObject({ ok: false, line: 1 });

    // The CLI as npm run audit:verify runs it, compiled on the fly from its source.
    const out = join(dataDir, 'cli');
    const tsc = spawnSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '--outDir',
        out,
        '--module',
        'commonjs',
        '--target',
        'es2022',
        '--strict',
        '--types',
        'node',
        'src/audit/verify-audit-log.cli.ts',
      ],
      { cwd: join(__dirname, '..'), encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    const cli = (target: string) =>
      spawnSync(process.execPath, [join(out, 'verify-audit-log.cli.js'), target], { encoding: 'utf8' });
    const good = cli(file);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('3 entries');
    const bad = cli(tampered);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('line 2');
  }, 60_000);
});
