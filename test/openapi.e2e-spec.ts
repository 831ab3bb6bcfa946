import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCertificatePaths, ensureDevCertificates } from '../src/tls/dev-certificates';
import { expectError } from './support/expect-error';
import { controllerRoutes, type RouteAuth } from './support/nest-routes';
import { removeDataDir, TEST_CERTS_DIR, useTestApp, withTestApp, type TestApp } from './support/test-app';

/**
 * The OpenAPI document at /docs-json against what the app really serves:
 * every Nest route, each with the bearer scheme JwtAuthGuard will ask for.
 * The routes come from Nest's metadata (as in route-guards.e2e-spec.ts),
 * so a new route that is missing or wrongly secured in the document fails here.
 */

interface NestRoute {
  method: string;
  /** As OpenAPI writes it: /auth/2fa/verify, {param} for :param. */
  path: string;
  auth: RouteAuth;
}

function nestRoutes(t: TestApp): NestRoute[] {
  return controllerRoutes(t).map(({ method, path, auth }) => ({ method, path: path.replace(/:(\w+)/g, '{$1}'), auth }));
}

interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}

interface OpenApiDocument {
  openapi: string;
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme: string }>;
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };
}

const SCHEME_OF: Record<RouteAuth, string[]> = {
  public: [],
  'pre-auth': ['pre-auth'],
  'access-token': ['access-token'],
};
const STRICT_CSP = "default-src 'none';frame-ancestors 'none'";

describe('OpenAPI document (outside production)', () => {
  const live = useTestApp();
  let doc: OpenApiDocument;
  let routes: NestRoute[];

  beforeAll(async () => {
    const res = await live.client.get<OpenApiDocument>('/docs-json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body;
    routes = nestRoutes(live.t);
  });

  const operation = (route: NestRoute): Operation => doc.paths[route.path]?.[route.method.toLowerCase()];
  const schemaName = (ref: string | undefined) => ref?.replace('#/components/schemas/', '') ?? '';

  it('lists every route Nest serves, with its method, and nothing else', () => {
    expect(routes.length).toBeGreaterThan(10);
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('declares the access token and the pre-auth token as two different bearer schemes', () => {
    expect(doc.components.securitySchemes).toEqual({
      'access-token': expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      'pre-auth': expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    });
    // No document-wide requirement: each operation says what it takes.
    expect(doc.security).toBeUndefined();
  });

  it('gives each route the scheme JwtAuthGuard asks for: access token, pre-auth token, or none for public routes', () => {
    const documented = Object.fromEntries(
      routes.map((route) => [
        `${route.method} ${route.path}`,
        (operation(route).security ?? []).flatMap((requirement) => Object.keys(requirement)),
      ]),
    );
    const expected = Object.fromEntries(
      routes.map((route) => [`${route.method} ${route.path}`, SCHEME_OF[route.auth]]),
    );
    expect(documented).toEqual(expected);
    // Both kinds and public routes exist, so the comparison above covers all three.
    expect(new Set(routes.map((r) => r.auth))).toEqual(new Set(['public', 'pre-auth', 'access-token']));
  });

  it('documents the request body of every POST route that reads one, with the DTO fields', () => {
    const bodies = Object.fromEntries(
      routes
        .filter((route) => operation(route).requestBody)
        .map((route) => {
          const schema = operation(route).requestBody!.content['application/json'].schema;
          return [
            `${route.method} ${route.path}`,
            Object.keys(doc.components.schemas[schemaName(schema.$ref)].properties ?? {}).sort(),
          ];
        }),
    );
    expect(bodies).toEqual({
      'POST /auth/register': ['password', 'username'],
      'POST /auth/login': ['deviceToken', 'password', 'username'],
      'POST /auth/password': ['code', 'currentPassword', 'newPassword'],
      'POST /auth/refresh': ['refreshToken'],
      'POST /auth/2fa/setup': ['enrollmentTicket'],
      'POST /auth/2fa/enable': ['code'],
      'POST /auth/2fa/verify': ['code', 'recoveryCode'],
      'POST /auth/2fa/recovery-codes': ['code'],
      'POST /auth/2fa/reset': ['code', 'password'],
      'POST /auth/webauthn/register/verify': ['name', 'response'],
      'PATCH /auth/webauthn/credentials/{id}': ['name'],
      'POST /auth/webauthn/authenticate/verify': ['response'],
      'POST /auth/webauthn/enroll/options': ['enrollmentTicket'],
      'POST /auth/webauthn/enroll/verify': ['name', 'response'],
      'POST /auth/webauthn/login/verify': ['deviceToken', 'response'],
    });
    // The validation rules show up too, e.g. the 6-digit code and the optional verify fields.
    expect(doc.components.schemas.TotpCodeDto).toMatchObject({
      required: ['code'],
      properties: { code: { pattern: '^[0-9]{6}$' } },
    });
    expect(doc.components.schemas.VerifyDto.required ?? []).toEqual([]);
  });

  it('documents a success response for every route and every error with the one ErrorResponse schema', () => {
    expect(doc.components.schemas.ErrorResponse).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'error', 'message', 'requestId']),
    });
    expect(Object.keys(doc.components.schemas.ErrorResponse.properties ?? {}).sort()).toEqual([
      'error',
      'message',
      'requestId',
      'statusCode',
    ]);
    for (const route of routes) {
      const responses = operation(route).responses;
      const statuses = Object.keys(responses);
      expect({ route: route.path, success: statuses.filter((s) => /^2/.test(s)).length }).toEqual({
        route: route.path,
        success: 1,
      });
      // Every route can meet the allowlist, the rate limiter and a dependency outage.
      expect(statuses).toEqual(expect.arrayContaining(['403', '429', '500', '503']));
      if (route.auth !== 'public')
        expect({ route: route.path, 401: responses['401']?.description }).toEqual({
          route: route.path,
          401: expect.stringMatching(/token/),
        });
      if (operation(route).requestBody) expect(statuses).toEqual(expect.arrayContaining(['400', '413', '415']));
      for (const status of statuses.filter((s) => /^[45]/.test(s))) {
        expect({
          route: route.path,
          status,
          schema: schemaName(responses[status].content?.['application/json']?.schema.$ref),
        }).toEqual({
          route: route.path,
          status,
          schema: 'ErrorResponse',
        });
      }
    }
  });

  it('serves the Swagger UI page with a CSP that loads only its own assets, and keeps the strict one everywhere else', async () => {
    const page = await live.client.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    // Nothing inline for that policy to allow: scripts and styles are files.
    expect(page.text).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/);

    const init = await live.client.get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.headers['content-type']).toMatch(/^application\/javascript/);
    expect(init.text).toContain('"/docs-json"');
    for (const asset of [
      '/docs/swagger-ui.css',
      '/docs/index.css',
      '/docs/swagger-ui-bundle.js',
      '/docs/favicon-32x32.png',
    ]) {
      expect({ asset, status: (await live.client.get(asset)).status }).toEqual({ asset, status: 200 });
    }

    for (const path of ['/health', '/docs-json', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']) {
      expect({ path, csp: (await live.client.get(path)).headers['content-security-policy'] }).toEqual({
        path,
        csp: STRICT_CSP,
      });
    }
    // Only the listed files exist under /docs: not the rest of swagger-ui-dist.
    for (const path of [
      '/docs/',
      '/docs/index.html',
      '/docs/swagger-initializer.js',
      '/docs/oauth2-redirect.html',
      '/docs/swagger-ui-bundle.js.map',
    ]) {
      const res = await live.client.get(path);
      expectError(res, 404);
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
    }
  });
});

describe('docs behind the IP allowlist', () => {
  const live = useTestApp({ IP_ALLOWLIST: '127.0.0.1/32' });

  it('refuses /docs, /docs-json and the UI assets to an address outside IP_ALLOWLIST with the usual 403', async () => {
    expect((await live.client.get('/docs')).status).toBe(200);
    const outsider = live.client.as('127.0.0.9');
    for (const path of [
      '/docs',
      '/docs-json',
      '/docs/swagger-ui-init.js',
      '/docs/swagger-ui-bundle.js',
      '/docs/no-such-file',
    ]) {
      const res = await outsider.get(path);
      expectError(res, 403, 'Requests from this address are not allowed');
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
    }
  });
});

describe('docs in production', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-prod-docs-'));
    await ensureDevCertificates(TEST_CERTS_DIR, () => undefined);
  });
  afterAll(() => removeDataDir(dir));

  it('does not exist: /docs and /docs-json are the 404 of an unknown URL', async () => {
    const tls = devCertificatePaths(TEST_CERTS_DIR);
    const keyFile = join(dir, 'jwt-es256.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // A valid production configuration, as in restart-and-config.e2e-spec.ts:
    // real keys and secrets, nothing generated.
    const prod = {
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
    await withTestApp(
      prod,
      async ({ t, client }) => {
        expect(t.config.isProduction).toBe(true);
        expect((await client.get('/health')).status).toBe(200);
        for (const path of ['/docs', '/docs-json', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js']) {
          expectError(await client.get(path), 404);
        }
      },
      { dataDir: dir },
    );
  });
});
