import { userInfo } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { AuditWriter } from './audit-writer';
import { escapeForLog } from './escape';
import { SecurityEvents } from './security-events.service';

describe('SecurityEvents', () => {
  it('escapes CR, LF and other control characters in a submitted username', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }));
    new SecurityEvents(logger, null).record('auth.login.failed', null, {
      username: 'eve\r\n{"event":"x"}\u0007\u2028',
    });
    const line = JSON.parse(lines[0]);
    expect(line.username).toBe('eve\\u000d\\u000a{"event":"x"}\\u0007\\u2028');
    expect(line).toMatchObject({
      event: 'auth.login.failed',
      securityEvent: true,
      requestId: null,
      clientAddress: null,
    });
  });

  it('never throws into the caller, whatever its sinks do', () => {
    const broken = pino(
      { level: 'info' },
      new Writable({
        write: () => {
          throw new Error('EPIPE');
        },
      }),
    );
    const failingFile = {
      enqueue: () => {
        throw new Error('ENOSPC');
      },
    } as unknown as AuditWriter;
    const events = new SecurityEvents(broken, failingFile);
    expect(() => events.record('session.refresh.reuse', null, { userId: 'u' })).not.toThrow();
    expect(() => events.recordCliAction('cli.sessions.revoked', { userId: 'u' })).not.toThrow();
    void events.onApplicationShutdown().catch(() => undefined);
  });

  it('aggregates refusals, records every other event, and marks CLI actions with the OS user', async () => {
    const queued: Record<string, unknown>[] = [];
    const file = {
      enqueue: (entry: Record<string, unknown>) => queued.push(entry),
      close: async () => undefined,
    } as unknown as AuditWriter;
    const events = new SecurityEvents(pino({ level: 'silent' }), file);
    const origin = { requestId: 'r', clientAddress: '203.0.113.9', route: '/health' };
    for (let i = 0; i < 25; i += 1) events.record('net.ip.refused', origin);
    for (let i = 0; i < 3; i += 1) events.record('auth.login.failed', origin, { username: 'eve' });
    events.recordCliAction('cli.user.created', { userId: 'u', username: 'carol' });
    await events.onApplicationShutdown();
    const refused = queued.filter((e) => e.event === 'net.ip.refused');
    expect(refused.map((e) => e.count)).toEqual([1, 24]);
    expect(queued.filter((e) => e.event === 'auth.login.failed')).toHaveLength(3);
    expect(queued.find((e) => e.event === 'cli.user.created')).toMatchObject({
      actor: 'cli',
      osUser: userInfo().username,
      requestId: null,
    });
  });

  it('cuts very long values', () => {
    expect(escapeForLog('a'.repeat(1000)).length).toBeLessThan(300);
  });
});
