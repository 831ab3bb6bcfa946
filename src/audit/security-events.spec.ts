import { Writable } from 'node:stream';
import pino from 'pino';
import { escapeForLog } from './escape';
import { SecurityEvents } from './security-events.service';

describe('SecurityEvents', () => {
  it('escapes CR, LF and other control characters in a submitted username', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }));
    new SecurityEvents(logger, null).record('auth.login.failed', null, { username: 'eve\r\n{"event":"x"}\u0007\u2028' });
    const line = JSON.parse(lines[0]);
    expect(line.username).toBe('eve\\u000d\\u000a{"event":"x"}\\u0007\\u2028');
    expect(line).toMatchObject({ event: 'auth.login.failed', securityEvent: true, requestId: null, clientAddress: null });
  });

  it('cuts very long values', () => {
    expect(escapeForLog('a'.repeat(1000)).length).toBeLessThan(300);
  });
});
