import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';
import { lockPathOf } from '../src/audit/audit-file-set';
import { verifyAuditLog } from '../src/audit/verify-audit-log';
import { STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { HttpsClient, type Response } from './support/https-client';
import { startServerProcess } from './support/server-process';
import { removeDataDir, withTestApp } from './support/test-app';

const ROOT = resolve(__dirname, '..');
type Line = Record<string, any>;
const lines = (file: string): Line[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
    : [];
const sum = (entries: Line[]) => entries.reduce((total, entry) => total + (entry.count as number), 0);
const wrongLogin = (client: HttpsClient) =>
  client.post('/auth/login', { body: { username: uniqueUsername('flood'), password: 'not the password at all' } });

/** `total` requests, `parallel` at a time. */
async function flood(total: number, parallel: number, send: () => Promise<Response>): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let sent = 0; sent < total; sent += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, total - sent) }, send));
    for (const res of batch) statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
  return statuses;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

describe('the audit trail survives a flood', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-audit-flood-'));
  afterAll(() => removeDataDir(dataDir));

  it('refusals from one address become a bounded number of events whose counts add up; other events are all kept', async () => {
    const file = join(dataDir, 'flood', 'audit.log');
    const statuses = await withTestApp(
      {
        AUDIT_LOG_FILE: file,
        IP_ALLOWLIST: '127.0.0.1/32,127.0.0.2/32',
        RATE_LIMIT_DEFAULT: '50/60',
      },
      async ({ client }) => {
        const outsider = client.as('127.0.0.7');
        const ipHealth = await flood(300, 20, () => outsider.get('/health'));
        const ipUnknownRoute = await flood(100, 20, () => outsider.get(`/no-such-route`));
        // An allowed address over its default limit: 50 pass, the rest are refused.
        const limited = await flood(200, 20, () => client.as('127.0.0.2').get('/health'));
        const failed = await flood(12, 4, () => wrongLogin(client));
        return { ipHealth, ipUnknownRoute, limited, failed };
      },
      { dataDir: mkdtempSync(join(dataDir, 'app-')) },
    );
    expect(statuses.ipHealth).toEqual({ 403: 300 });
    expect(statuses.ipUnknownRoute).toEqual({ 403: 100 });
    expect(statuses.limited).toEqual({ 200: 50, 429: 150 });
    expect(statuses.failed).toEqual({ 401: 12 });

    const events = lines(file);
    const ipRefused = (route: string | null) =>
      events.filter((e) => e.event === 'net.ip.refused' && e.clientAddress === '127.0.0.7' && e.route === route);
    const rateRefused = events.filter((e) => e.event === 'net.rate_limit.refused' && e.clientAddress === '127.0.0.2');
    // The test runs well within one 10 s window: the first refusal at once, the rest in one event (written at shutdown).
    expect(ipRefused('/health').length).toBeLessThanOrEqual(2);
    expect(sum(ipRefused('/health'))).toBe(300);
    expect(ipRefused(null).length).toBeLessThanOrEqual(2);
    expect(sum(ipRefused(null))).toBe(100);
    expect(rateRefused.length).toBeLessThanOrEqual(2);
    expect(sum(rateRefused)).toBe(150);
    expect(rateRefused[0]).toMatchObject({ bucket: 'default', route: '/health' });
    // Never merged: one event per failed login.
    expect(events.filter((e) => e.event === 'auth.login.failed')).toHaveLength(12);
    expect(events.length).toBeLessThanOrEqual(12 + 6);
    await expect(verifyAuditLog(file)).resolves.toMatchObject({ ok: true, count: events.length });
  }, 60_000);

  it('rotates at AUDIT_LOG_MAX_BYTES, keeps AUDIT_LOG_KEEP files, and the chain verifies across them', async () => {
    const file = join(dataDir, 'rotation', 'audit.log');
    await withTestApp(
      { AUDIT_LOG_FILE: file, AUDIT_LOG_MAX_BYTES: '4096', AUDIT_LOG_KEEP: '2' },
      async ({ client }) => {
        for (let round = 0; round < 8; round += 1) {
          await flood(6, 6, () => wrongLogin(client));
          // Several batches, so the file is rotated between them.
          await new Promise((r) => setTimeout(r, 120));
        }
      },
      { dataDir: mkdtempSync(join(dataDir, 'app-')) },
    );
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    // The first line of each file carries the hash of the last line of the one before.
    expect(lines(`${file}.1`)[0].prevHash).toBe(lines(`${file}.2`).at(-1)?.hash);
    expect(lines(file)[0].prevHash).toBe(lines(`${file}.1`).at(-1)?.hash);
    const total = [file, `${file}.1`, `${file}.2`].reduce((n, f) => n + lines(f).length, 0);
    await expect(verifyAuditLog(file)).resolves.toEqual({
      ok: true,
      count: total,
      files: 3,
      startsAfterRotation: true,
    });
  }, 60_000);

  it('a queue over AUDIT_QUEUE_MAX makes /health/ready say not ready, once in the log, and the server keeps serving', async () => {
    const file = join(dataDir, 'queue', 'audit.log');
    const logged: Line[] = [];
    const logDestination = { write: (line: string) => void logged.push(JSON.parse(line) as Line) };
    await withTestApp(
      { AUDIT_LOG_FILE: file, AUDIT_QUEUE_MAX: '3', LOG_LEVEL: 'warn' },
      async ({ client }) => {
        expect((await client.get('/health/ready')).body.details.audit).toEqual({ status: 'up' });
        // Another writer (the admin CLI) holds the file's lock: nothing can be written meanwhile.
        const release = await lock(file, { realpath: false, lockfilePath: lockPathOf(file) });
        try {
          await flood(5, 5, () => wrongLogin(client));
          const notReady = await client.get('/health/ready');
          expect(notReady.status).toBe(503);
          expect(notReady.body.message).toContain('audit');
          // Still serving: a request that is not about the audit trail.
          expect((await client.get('/health')).status).toBe(200);
          await flood(3, 3, () => wrongLogin(client));
          expect(logged.filter((l) => /AUDIT_QUEUE_MAX/.test(l.msg))).toHaveLength(1);
        } finally {
          await release();
        }
        await until(
          async () => (await client.get('/health/ready')).status === 200,
          'ready again once the queue drained',
        );
      },
      { dataDir: mkdtempSync(join(dataDir, 'app-')), logDestination },
    );
    // Nothing but refusals may ever be dropped: all 8 failed logins are in the file.
    expect(lines(file).filter((e) => e.event === 'auth.login.failed')).toHaveLength(8);
    await expect(verifyAuditLog(file)).resolves.toMatchObject({ ok: true });
  }, 60_000);

  it('SIGTERM writes what is queued and the refusal counts still pending', async () => {
    const file = join(dataDir, 'sigterm', 'audit.log');
    const server = await startServerProcess(mkdtempSync(join(dataDir, 'app-')), {
      LOG_LEVEL: 'fatal',
      IP_ALLOWLIST: '127.0.0.1/32',
      AUDIT_LOG_FILE: file,
    });
    try {
      const client = server.client;
      expect((await wrongLogin(client)).status).toBe(401);
      // The first refusal is recorded at once; the other 39 are only a count in memory for the next 10 s.
      expect(await flood(40, 10, () => client.as('127.0.0.9').get('/health'))).toEqual({ 403: 40 });
      expect([0, 'SIGTERM']).toContain(await server.stop('SIGTERM'));
    } finally {
      server.child.kill('SIGKILL');
    }
    const events = lines(file);
    expect(events.filter((e) => e.event === 'auth.login.failed')).toHaveLength(1);
    expect(sum(events.filter((e) => e.event === 'net.ip.refused'))).toBe(40);
    await expect(verifyAuditLog(file)).resolves.toMatchObject({ ok: true, count: events.length });
  }, 90_000);

  it('the admin CLI and the running API write one verifiable chain at the same time', async () => {
    const file = join(dataDir, 'cli', 'audit.log');
    const appDir = mkdtempSync(join(dataDir, 'app-'));
    const names = ['carol', 'dave', 'erin'].map((n) => uniqueUsername(n));
    await withTestApp(
      { AUDIT_LOG_FILE: file, AUDIT_LOG_MAX_BYTES: '8192', AUDIT_LOG_KEEP: '100' },
      async ({ client, t }) => {
        let serving = true;
        let apiEvents = 0;
        const api = (async () => {
          while (serving) {
            await flood(4, 4, () => wrongLogin(client));
            apiEvents += 4;
          }
        })();
        try {
          const runs = await Promise.all(
            names.map((name) => cli(t.env, ['user:create', name, '--password-stdin'], `${STRONG_PASSWORD}\n`)),
          );
          runs.push(await cli(t.env, ['sessions:revoke', names[0]]));
          for (const run of runs) expect(run).toMatchObject({ code: 0 });
        } finally {
          serving = false;
          await api;
        }
        expect(apiEvents).toBeGreaterThan(0);
      },
      { dataDir: appDir },
    );
    const result = await verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, startsAfterRotation: false });
    const events = [...Array(100).keys()].reverse().flatMap((i) => lines(i === 0 ? file : `${file}.${i}`));
    const created = events.filter((e) => e.event === 'cli.user.created');
    expect(created.map((e) => e.username).sort()).toEqual([...names].sort());
    expect(created[0]).toMatchObject({
      actor: 'cli',
      osUser: userInfo().username,
      requestId: null,
      clientAddress: null,
    });
    expect(events.filter((e) => e.event === 'cli.sessions.revoked')).toMatchObject([
      { actor: 'cli', username: names[0] },
    ]);
    expect(result.ok && result.count).toBe(events.length);
  }, 120_000);
});

/** The admin CLI as an operator runs it (sources compiled on the fly), with the test app's environment. */
function cli(
  env: Record<string, string>,
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    {
      const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/cli/main.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'fatal' },
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.stdout.resume();
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stderr });
      });
      child.stdin.end(stdin ?? '');
    }
  });
}
