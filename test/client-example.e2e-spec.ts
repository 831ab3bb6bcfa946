import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { devCertificatePaths } from '../src/tls/dev-certificates';
import { STRONG_PASSWORD } from './support/flows';
import { TEST_CERTS_DIR, useTestApp } from './support/test-app';

/**
 * examples/client: the typed client (openapi-typescript + openapi-fetch)
 * that README points API clients to. Its schema must be the app's document
 * of today, and the example must run its whole flow against a fresh server,
 * trusting the dev CA and nothing else. Its type check is `npm run typecheck`.
 */

const ROOT = resolve(__dirname, '..');
const SCHEMA_FILE = join(ROOT, 'examples', 'client', 'generated', 'api-schema.ts');
const OPENAPI_TYPESCRIPT = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
const MAIN = join(ROOT, 'examples', 'client', 'main.ts');
// Node >= 22.18 runs the example as users do (type stripping); older runtimes compile it on the fly.
const RUN_TS = (process.features as { typescript?: string | false }).typescript
  ? [MAIN]
  : ['--import', './test/support/ts-esm-loader.mjs', MAIN];

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('examples/client', () => {
  const app = useTestApp();
  const ca = () => devCertificatePaths(TEST_CERTS_DIR).caCert;

  // UPDATE_CLIENT_SCHEMA=1 (npm run client:schema) writes the file instead of checking it.
  it('its committed schema is what openapi-typescript makes of the app document today', async () => {
    const url = `https://localhost:${app.t.port}/docs-json`;
    const check = process.env.UPDATE_CLIENT_SCHEMA ? [] : ['--check'];
    const res = await run([OPENAPI_TYPESCRIPT, url, '-o', SCHEMA_FILE, ...check], { NODE_EXTRA_CA_CERTS: ca() });
    expect({ code: res.code, out: res.stdout + res.stderr }).toEqual({ code: 0, out: expect.any(String) });
  }, 60_000);

  it('runs register → login → enroll (QR code) → enable → login and verify → me → refresh → logout', async () => {
    const username = `client.${Date.now().toString(36)}`;
    const password = 'a client example password 7!';
    const res = await run(RUN_TS, {
      API: `https://localhost:${app.t.port}`,
      NODE_EXTRA_CA_CERTS: ca(),
      CLIENT_USERNAME: username,
      CLIENT_PASSWORD: password,
    });
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    const steps = res.stdout.split('\n').filter((line) => /^\d\. /.test(line));
    expect(steps).toEqual([
      expect.stringMatching(new RegExp(`^1\\. register: ${username.replace('.', '\\.')} \\([0-9a-f-]{36}\\)`)),
      '2. login: password accepted, next: totp-enroll',
      expect.stringMatching(/^3\. enroll: /),
      '4. enable: 2FA on, signed in; 10 recovery codes to keep offline',
      '5. verify: login again (next: totp-verify), code accepted',
      `6. me: ${username}, twoFactorEnabled: true`,
      '7. refresh: a new access token (900 s) and the next refresh token',
      '8. logout: session ended; its access token now gets 401',
    ]);
    // The QR code, drawn with block characters, between steps 3 and 4.
    expect(res.stdout).toMatch(/3\. enroll:[^\n]*\n(?:[^\n]*[▄▀█][^\n]*\n){20,}/);

    // The account it made is real: enrolled, so the password alone asks for a code.
    const preAuth = await app.client.post('/auth/login', { body: { username, password } });
    expect(preAuth.body.next).toBe('totp-verify');
  }, 60_000);

  it('trusts the dev CA only when told to: without NODE_EXTRA_CA_CERTS it stops at TLS, creating nothing', async () => {
    const username = `client.untrusted.${Date.now().toString(36)}`;
    const res = await run(RUN_TS, { API: `https://localhost:${app.t.port}`, CLIENT_USERNAME: username });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^TLS: the server's certificate is not trusted \(\w+\)/);
    expect(res.stdout).toBe('');
    // The register request never reached the server: the name is still free.
    expect((await app.client.post('/auth/register', { body: { username, password: STRONG_PASSWORD } })).status).toBe(
      201,
    );
  }, 60_000);
});
