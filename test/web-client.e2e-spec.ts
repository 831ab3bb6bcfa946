import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCertificatePaths, ensureDevCertificates } from '../src/tls/dev-certificates';
import { expectError } from './support/expect-error';
import { removeDataDir, TEST_CERTS_DIR, useTestApp, withTestApp } from './support/test-app';
import { buildWebClient } from './support/web-client-build';

/**
 * The reference web client at /app/, as files: its own strict CSP on the
 * page, a fixed list of assets (nothing else of dist/ or node_modules/
 * reachable), the allowlist in front, and off in production unless asked
 * for. The client itself runs in Chromium in web-client-chromium.e2e-spec.ts.
 */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const STRICT_CSP = "default-src 'none';frame-ancestors 'none'";
const ASSETS = ['/app/app.css', '/app/app.js', '/app/api.js', '/app/dom.js', '/app/vendor/simplewebauthn-browser.js'];

beforeAll(() => buildWebClient());

describe('web client (outside production)', () => {
  const live = useTestApp();

  it('serves the page at /app/ and /app with its own CSP: no inline script or style to allow', async () => {
    for (const path of ['/app/', '/app']) {
      const page = await live.client.get(path);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['cache-control']).toBe('no-store');
      // Nothing inline for the policy to allow: scripts and styles are files, handlers are in app.js.
      expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son\w+=|javascript:/i);
    }
  });

  it('serves each listed asset with its type and the strict CSP', async () => {
    for (const asset of ASSETS) {
      const res = await live.client.get(asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(res.headers['content-type']).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^application\/javascript/);
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
    }
    // The vendor file is @simplewebauthn/browser's UMD bundle: it defines the global app.js uses.
    expect((await live.client.get('/app/vendor/simplewebauthn-browser.js')).text).toContain('SimpleWebAuthnBrowser');
  });

  it('keeps tokens out of storage and cookies: the compiled client never touches them', async () => {
    for (const asset of ['/app/app.js', '/app/api.js', '/app/dom.js']) {
      const { text } = await live.client.get(asset);
      expect({
        asset,
        storage: text.match(/localStorage|sessionStorage|document\.cookie|indexedDB|eval\(|innerHTML/g),
      }).toEqual({
        asset,
        storage: null,
      });
    }
  });

  it('serves nothing but the listed files: no directory listing, sources, maps or traversal', async () => {
    for (const path of [
      '/app/index.html',
      '/app/app.ts',
      '/app/api.ts',
      '/app/app.js.map',
      '/app/tsconfig.json',
      '/app/vendor/',
      '/app/vendor/index.umd.min.js',
      '/app/../package.json',
      '/app/%2e%2e/package.json',
      '/app/..%2f..%2fpackage.json',
      '/app/vendor/..%2f..%2f..%2fpackage.json',
    ]) {
      const res = await live.client.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
    }
  });
});

describe('web client behind the IP allowlist', () => {
  const live = useTestApp({ IP_ALLOWLIST: '127.0.0.1/32' });

  it('refuses the page and its assets to an address outside IP_ALLOWLIST with the usual 403', async () => {
    expect((await live.client.get('/app/')).status).toBe(200);
    const outsider = live.client.as('127.0.0.9');
    for (const path of ['/app/', '/app', ...ASSETS]) {
      const res = await outsider.get(path);
      expectError(res, 403, 'Requests from this address are not allowed');
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
    }
  });
});

describe('WEB_CLIENT_ENABLED=false outside production', () => {
  const live = useTestApp({ WEB_CLIENT_ENABLED: 'false' });

  it('registers nothing under /app', async () => {
    for (const path of ['/app/', '/app', ...ASSETS]) expectError(await live.client.get(path), 404);
  });
});

describe('web client in production', () => {
  let dir: string;
  let prod: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-prod-web-'));
    await ensureDevCertificates(TEST_CERTS_DIR, () => undefined);
    const tls = devCertificatePaths(TEST_CERTS_DIR);
    const keyFile = join(dir, 'jwt-es256.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // A valid production configuration, as in openapi.e2e-spec.ts: real keys and secrets, nothing generated.
    prod = {
      NODE_ENV: 'production',
      DEV_SECRETS_DIR: join(dir, 'dev-secrets'),
      CERTS_DIR: join(dir, 'dev-certs'),
      APP_SECRET: randomBytes(32).toString('base64url'),
      JWT_PRIVATE_KEY_FILE: keyFile,
      TLS_CERT_FILE: tls.serverCert,
      TLS_KEY_FILE: tls.serverKey,
      IP_ALLOWLIST: '127.0.0.0/8,::1/128',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'https://localhost:3443',
    };
  });
  afterAll(() => removeDataDir(dir));

  it('is off by default: /app/ is the 404 of an unknown URL', () =>
    withTestApp(
      prod,
      async ({ t, client }) => {
        expect(t.config.isProduction).toBe(true);
        for (const path of ['/app/', '/app', ...ASSETS]) expectError(await client.get(path), 404);
      },
      { dataDir: dir },
    ));

  it('WEB_CLIENT_ENABLED=true serves it, with the same CSP and still behind the allowlist', () =>
    withTestApp(
      { ...prod, WEB_CLIENT_ENABLED: 'true', IP_ALLOWLIST: '127.0.0.1/32' },
      async ({ client }) => {
        const page = await client.get('/app/');
        expect(page.status).toBe(200);
        expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
        expectError(await client.as('127.0.0.9').get('/app/'), 403);
      },
      { dataDir: dir },
    ));
});
