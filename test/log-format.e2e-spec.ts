import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { STRONG_PASSWORD, register } from './support/flows';
import { withTestApp } from './support/test-app';

/** Everything the app writes, as text. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** The entry whose first line contains `heading`: that line and its indented field lines. */
function entry(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes(heading));
  if (start < 0) throw new Error(`no entry "${heading}" in:\n${text}`);
  const end = lines.findIndex((line, i) => i > start && !line.startsWith(' '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('LOG_FORMAT', () => {
  const WRONG_PASSWORD = 'definitely not the password 99!';

  it('outside production the default is pretty: lines for people, each security event with all its fields', async () => {
    const log = capture();
    const audit = mkdtempSync(join(tmpdir(), 'nest-2fa-api-log-format-'));
    const auditFile = join(audit, 'audit.log');
    try {
      const refusal = await withTestApp(
        // Blank is unset: the default for NODE_ENV=test, as for development.
        { LOG_FORMAT: '', LOG_LEVEL: 'info', AUDIT_LOG_FILE: auditFile },
        async ({ client }) => {
          const { username } = await register(client);
          const res = await client.post('/auth/login', { body: { username, password: WRONG_PASSWORD } });
          expect(res.status).toBe(401);
          return { username, requestId: String(res.headers['x-request-id']) };
        },
        { logDestination: log.stream },
      );
      const text = log.text();

      // Not JSON lines: every entry starts with a time and a level name.
      const headings = text.split('\n').filter((line) => line && !line.startsWith(' '));
      expect(headings.length).toBeGreaterThan(3);
      for (const line of headings)
        expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /);
      // Nest's own messages too, with their context in brackets.
      expect(text).toMatch(/INFO: \[Bootstrap\] /);

      // Structured still: the event's fields, one per line, values JSON-quoted.
      const failed = entry(text, 'WARN: security event auth.login.failed');
      expect(failed).toContain('    securityEvent: true');
      expect(failed).toContain('    event: "auth.login.failed"');
      expect(failed).toContain(`    requestId: "${refusal.requestId}"`);
      expect(failed).toContain('    clientAddress: "127.0.0.1"');
      expect(failed).toContain(`    username: "${refusal.username}"`);
      expect(failed).toContain('    reason: "invalid-credentials"');
      const requestLine = entry(text, `INFO: request completed`);
      expect(requestLine).toMatch(/^ {4}status: \d{3}$/m);
      // Redaction applies before the format: no password in any line.
      expect(text).not.toContain(STRONG_PASSWORD);
      expect(text).not.toContain(WRONG_PASSWORD);

      // The audit file is JSON whatever LOG_FORMAT says.
      const events = readFileSync(auditFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events).toContainEqual(
        expect.objectContaining({
          event: 'auth.login.failed',
          requestId: refusal.requestId,
          username: refusal.username,
        }),
      );
    } finally {
      rmSync(audit, { recursive: true, force: true });
    }
  });

  it('LOG_FORMAT=json outside production: one JSON line per entry, security events included', async () => {
    const log = capture();
    const requestId = await withTestApp(
      { LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      async ({ client }) => {
        const { username } = await register(client);
        const res = await client.post('/auth/login', { body: { username, password: WRONG_PASSWORD } });
        return String(res.headers['x-request-id']);
      },
      { logDestination: log.stream },
    );
    const lines = log
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ securityEvent: true, event: 'auth.login.failed', requestId, level: 'warn' }),
    );
  });
});
