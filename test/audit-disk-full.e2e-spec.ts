import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditLog } from '../src/audit/verify-audit-log';
import { enrolledUser, recoveryLogin, uniqueUsername } from './support/flows';
import { bootTestApp, removeDataDir, type RunningTestApp } from './support/test-app';
import { freshCode } from './support/totp';

/**
 * Issue 11 §5, against a real full disk: a 256 KiB tmpfs holds
 * AUDIT_LOG_FILE. Mounting needs root; without it the suite is skipped with
 * a message, except in CI (CI=true), where it must run and fails instead.
 */
const isRoot = process.getuid?.() === 0;
const mustRun = isRoot || process.env.CI === 'true';
if (!mustRun)
  console.warn(
    'audit-disk-full.e2e-spec: skipped, mounting a small tmpfs needs root (runs, and fails without root, when CI=true)',
  );
const describeDiskFull = mustRun ? describe : describe.skip;

describeDiskFull('a full audit disk never weakens a protective action', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-disk-full-'));
  const mount = join(dataDir, 'small-disk');
  const file = join(mount, 'audit.log');
  const filler = join(mount, 'filler');
  let app: RunningTestApp | undefined;

  beforeAll(async () => {
    execFileSync('mkdir', ['-p', mount]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount]);
    app = await bootTestApp({ AUDIT_LOG_FILE: file }, { dataDir });
  });

  afterAll(async () => {
    await app?.close();
    spawnSync('umount', [mount]);
    removeDataDir(dataDir);
  });

  const ready = async () => (await app!.client.get('/health/ready')).status === 200;

  it('refresh-token reuse still ends the session, recovery codes are still replaced; readiness shows the failing sink until it writes again', async () => {
    const { client } = app!;
    const user = await enrolledUser(client, uniqueUsername('diskfull'));
    expect(await ready()).toBe(true);

    // Fill the disk, then record events until the file's last page is used up too and a write fails.
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 200 && (await ready()); attempt += 1) {
      await client.post('/auth/login', {
        body: { username: user.username, password: 'wrong password, filling the last page' },
      });
      await new Promise((r) => setTimeout(r, 60));
    }
    const notReady = await client.get('/health/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body.message).toContain('audit');

    // Recovery codes: the new set is issued and the old one stops working, full disk or not.
    const regenerated = await client.post('/auth/2fa/recovery-codes', {
      token: user.accessToken,
      body: { code: freshCode(user.secret, user.lastStep).code },
    });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.recoveryCodes).toHaveLength(10);
    expect((await recoveryLogin(client, user.username, user.password, user.recoveryCodes[0])).status).toBe(401);

    // The attack: a stolen refresh token used after its owner rotated it.
    const rotated = await client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(rotated.status).toBe(200);
    const reuse = await client.post('/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(reuse.status).toBe(401);
    // The session is over: neither the newest refresh token nor its access token works.
    expect((await client.post('/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } })).status).toBe(
      401,
    );
    expect((await client.get('/auth/me', { token: rotated.body.accessToken })).status).toBe(401);
    expect(await ready()).toBe(false);

    // Space again: the queued events are written, in order, and the instance is ready again.
    rmSync(filler);
    for (let attempt = 0; attempt < 50 && !(await ready()); attempt += 1) await new Promise((r) => setTimeout(r, 200));
    expect(await ready()).toBe(true);
    const events = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const names = events.map((e) => e.event);
    expect(names).toContain('auth.recovery_codes.regenerated');
    expect(names).toContain('session.refresh.reuse');
    expect(names.indexOf('auth.recovery_codes.regenerated')).toBeLessThan(names.indexOf('session.refresh.reuse'));
    await expect(verifyAuditLog(file)).resolves.toMatchObject({ ok: true, count: events.length });
  }, 90_000);
});
