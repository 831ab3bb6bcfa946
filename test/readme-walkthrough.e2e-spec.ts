import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { devCertificatePaths } from '../src/tls/dev-certificates';
import { expectError } from './support/expect-error';
import { TEST_CERTS_DIR, useTestApp } from './support/test-app';

/**
 * README's "Walk-through with curl", run verbatim with `bash -euo pipefail`
 * against a freshly started server: a change that breaks the README breaks
 * the build. The block sets CURL and API itself; the test only exports the
 * two overrides it honours (API: this server's port; CA: the test dev CA).
 *
 * Every `# NNN {…}` line of the block documents the answer to the curl call
 * before it. A `curl` first on PATH records each call's status and body (and
 * then behaves exactly as curl), so each answer is checked against its line:
 * the status, and the body's fields. In those lines `"…"` is any non-empty
 * string, `"text…"` a string starting with text, `[…]` a non-empty array, and
 * a `…` member (`{…,"next":"totp-verify"}`) allows other fields; without one
 * the fields are exactly those listed.
 */

const ROOT = resolve(__dirname, '..');
const ELLIPSIS = '…';

interface Expectation {
  status: number;
  body?: unknown;
  line: string;
}

interface Recorded {
  status: number;
  text: string;
}

/** The ```sh block under the "Walk-through with curl" heading. */
function walkthroughBlock(readme: string): string {
  const heading = readme.indexOf('\n## Walk-through with curl\n');
  if (heading < 0) throw new Error('README.md has no "## Walk-through with curl" section');
  const match = /\n```sh\n([\s\S]*?)\n```\n/.exec(readme.slice(heading));
  const nextHeading = readme.indexOf('\n## ', heading + 1);
  if (!match || (nextHeading > 0 && heading + match.index > nextHeading))
    throw new Error('the "Walk-through with curl" section has no ```sh block');
  return `${match[1]}\n`;
}

/** The `# 201 {…}` lines, in order. */
function documentedAnswers(block: string): Expectation[] {
  return block
    .split('\n')
    .map((line) => ({ line, match: /^# ([1-5]\d\d)(?: (.*))?$/.exec(line) }))
    .filter(({ match }) => match !== null)
    .map(({ line, match }) => ({
      line,
      status: Number(match![1]),
      body: match![2] === undefined ? undefined : (JSON.parse(toJson(match![2])) as unknown),
    }));
}

/** `[…]` becomes `["…"]`, a bare `…` member `"…":"…"`; quoted ellipses stay. */
function toJson(documented: string): string {
  return documented.replace(/\[…\]/g, '["…"]').replace(/([{,])…(?=[,}])/g, '$1"…":"…"');
}

/** Where `actual` departs from `documented`, as readable paths; empty when it matches. */
function mismatches(documented: unknown, actual: unknown, path = 'body'): string[] {
  if (typeof documented === 'string' && documented.endsWith(ELLIPSIS)) {
    const prefix = documented.slice(0, -ELLIPSIS.length);
    return typeof actual === 'string' && actual.startsWith(prefix) && actual.length > prefix.length
      ? []
      : [`${path}: expected a string starting with ${JSON.stringify(prefix)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(documented) && documented.length === 1 && documented[0] === ELLIPSIS) {
    return Array.isArray(actual) && actual.length > 0
      ? []
      : [`${path}: expected a non-empty array, got ${JSON.stringify(actual)}`];
  }
  if (documented !== null && typeof documented === 'object' && !Array.isArray(documented)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const expected = documented as Record<string, unknown>;
    const got = actual as Record<string, unknown>;
    const problems: string[] = [];
    for (const key of Object.keys(expected)) {
      if (key === ELLIPSIS) continue;
      if (!(key in got)) problems.push(`${path}.${key}: missing`);
      else problems.push(...mismatches(expected[key], got[key], `${path}.${key}`));
    }
    if (!(ELLIPSIS in expected)) {
      for (const key of Object.keys(got))
        if (!(key in expected)) problems.push(`${path}.${key}: not documented (value ${JSON.stringify(got[key])})`);
    }
    return problems;
  }
  return JSON.stringify(documented) === JSON.stringify(actual)
    ? []
    : [`${path}: expected ${JSON.stringify(documented)}, got ${JSON.stringify(actual)}`];
}

/** A curl that records what the server answered, then does what curl does (output, exit code). */
const RECORDING_CURL = `#!/usr/bin/env bash
n=$(( $(cat "$WALKTHROUGH_LOG/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$WALKTHROUGH_LOG/count"
"$WALKTHROUGH_REAL_CURL" "$@" -D "$WALKTHROUGH_LOG/$n.head" -o "$WALKTHROUGH_LOG/$n.body"
status=$?
if [ -f "$WALKTHROUGH_LOG/$n.body" ]; then cat "$WALKTHROUGH_LOG/$n.body"; fi
exit "$status"
`;

function recordedCalls(logDir: string): Recorded[] {
  const count = existsSync(join(logDir, 'count')) ? Number(readFileSync(join(logDir, 'count'), 'utf8')) : 0;
  return Array.from({ length: count }, (_, i) => {
    const head = existsSync(join(logDir, `${i + 1}.head`)) ? readFileSync(join(logDir, `${i + 1}.head`), 'utf8') : '';
    // The last status line: an interim 100 Continue may come first.
    const statuses = [...head.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]));
    const bodyFile = join(logDir, `${i + 1}.body`);
    return { status: statuses.at(-1) ?? 0, text: existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : '' };
  });
}

function which(command: string): string | null {
  const found = spawnSync('bash', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

function runBash(script: string, cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('README walk-through, parsing', () => {
  it('reads the documented answers: status, exact fields, prefixes, open objects', () => {
    const answers = documentedAnswers(
      [
        '# 1. Not an answer',
        'X=$(curl …)',
        '# 201 {"id":"…","name":"alice","list":[…]}',
        '# 200 {…,"next":"totp-verify"}',
        '# 204',
      ].join('\n'),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 200, 204]);
    expect(mismatches(answers[0].body, { id: 'u1', name: 'alice', list: ['a'] })).toEqual([]);
    expect(mismatches(answers[0].body, { id: '', name: 'alice', list: ['a'] })).toHaveLength(1);
    expect(mismatches(answers[0].body, { id: 'u1', name: 'bob', list: ['a'] })).toHaveLength(1);
    expect(mismatches(answers[0].body, { id: 'u1', name: 'alice', list: [] })).toHaveLength(1);
    expect(mismatches(answers[0].body, { id: 'u1', name: 'alice', list: ['a'], extra: 1 })).toEqual([
      'body.extra: not documented (value 1)',
    ]);
    expect(mismatches(answers[0].body, { id: 'u1', list: ['a'] })).toEqual(['body.name: missing']);
    expect(mismatches(answers[1].body, { preAuthToken: 'x', next: 'totp-verify' })).toEqual([]);
    expect(mismatches(answers[1].body, { next: 'totp-enroll' })).toHaveLength(1);
    expect(answers[2].body).toBeUndefined();
    expect(mismatches('otpauth://totp/Nest2FA:alice?…', 'otpauth://totp/Nest2FA:alice?secret=X')).toEqual([]);
    expect(mismatches('otpauth://totp/Nest2FA:alice?…', 'otpauth://totp/Other:alice?secret=X')).toHaveLength(1);
  });
});

describe('README walk-through, run verbatim against a fresh server', () => {
  // The limits of config/defaults.env, as a user's dev server has them.
  const app = useTestApp({ RATE_LIMIT_LOGIN: '10/60', RATE_LIMIT_2FA: '10/60', RATE_LIMIT_DEFAULT: '100/60' });
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-readme-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('every step answers with its documented status and fields, and the session ends at logout', async () => {
    // Missing tools fail the test: a skipped walk-through would let a broken README through.
    const tools = Object.fromEntries(['curl', 'jq', 'oathtool'].map((tool) => [tool, which(tool)]));
    for (const [tool, path] of Object.entries(tools)) {
      if (!path)
        throw new Error(`${tool} is not installed (Debian package "${tool}"): the README walk-through needs it`);
    }

    const block = walkthroughBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const answers = documentedAnswers(block);
    expect(answers.length).toBeGreaterThanOrEqual(7);

    const bin = join(workDir, 'bin');
    const logDir = join(workDir, 'calls');
    for (const dir of [bin, logDir]) mkdirSync(dir);
    writeFileSync(join(bin, 'curl'), RECORDING_CURL);
    chmodSync(join(bin, 'curl'), 0o755);
    const script = join(workDir, 'walkthrough.sh');
    writeFileSync(script, block);

    const run = await runBash(script, workDir, {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: workDir,
      LANG: 'C.UTF-8',
      API: `https://localhost:${app.t.port}`,
      CA: devCertificatePaths(TEST_CERTS_DIR).caCert,
      WALKTHROUGH_LOG: logDir,
      WALKTHROUGH_REAL_CURL: tools.curl!,
    });
    const calls = recordedCalls(logDir);
    const report = calls.map((c, i) => `${i + 1}: ${c.status} ${c.text.slice(0, 200)}`).join('\n');
    expect({ code: run.code, stderr: run.stderr, calls: report }).toEqual({ code: 0, stderr: '', calls: report });

    // One documented answer per call, in order.
    expect(calls).toHaveLength(answers.length);
    answers.forEach((answer, i) => {
      const call = calls[i];
      const body = call.text ? (JSON.parse(call.text) as unknown) : undefined;
      const problems = [
        ...(call.status === answer.status ? [] : [`status: expected ${answer.status}, got ${call.status}`]),
        ...(answer.body === undefined
          ? call.text
            ? [`body: none documented, got ${call.text}`]
            : []
          : mismatches(answer.body, body)),
      ];
      expect({ line: answer.line, problems }).toEqual({ line: answer.line, problems: [] });
    });

    // The last login's access token was logged out: it no longer opens /auth/me.
    const bodies = calls.map((c) => (c.text ? (JSON.parse(c.text) as Record<string, unknown>) : {}));
    const accessTokens = bodies.map((b) => b.accessToken).filter((t): t is string => typeof t === 'string');
    expect(accessTokens).toHaveLength(2);
    expectError(await app.client.get('/auth/me', { token: accessTokens[1] }), 401);
    // The first session (step 4) is still alive: logout ended one session, not the account's.
    expect((await app.client.get('/auth/me', { token: accessTokens[0] })).status).toBe(200);
  }, 60_000);
});
