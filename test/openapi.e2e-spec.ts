import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCertificatePaths, ensureDevCertificates } from '../src/tls/dev-certificates';
import { WEBHOOK_TYPES } from '../src/webhooks/webhook-payload';
import { expectError } from './support/expect-error';
import { enrolledUser, login, recoveryLogin, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { controllerRoutes, type RouteAuth } from './support/nest-routes';
import {
  schemaName,
  schemaViolations,
  type OpenApiDocument,
  type Operation,
  type Schema,
} from './support/openapi-schema';
import { removeDataDir, TEST_CERTS_DIR, useTestApp, withTestApp, type TestApp } from './support/test-app';
import { freshCode, wrongCode } from './support/totp';

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

const SCHEME_OF: Record<RouteAuth, string[]> = {
  public: [],
  'pre-auth': ['pre-auth'],
  'access-token': ['access-token'],
};
const STRICT_CSP = "default-src 'none';frame-ancestors 'none'";

/**
 * The passkey routes need a WebAuthn ceremony (a software authenticator, a
 * fresh session) before they accept a body or answer 2xx: their limits and
 * response shapes are exercised by test/webauthn.e2e-spec.ts (and the
 * step-up's by test/step-up.e2e-spec.ts), not by the generic live probes below.
 */
const PASSKEY_CEREMONY = /^\/auth\/(step-up\/)?webauthn\//;
/** Passkey assertions in a body that takes other proofs too: an object bounded by the body limit (16 KiB). */
const PASSKEY_FIELDS = new Set(['POST /auth/step-up response']);

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
  const violations = (schema: Schema, value: unknown, at: string) => schemaViolations(doc, schema, value, at);

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
      'POST /auth/step-up': ['code', 'recoveryCode', 'response'],
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
      expect({ route: route.path, description: responses['403'].description }).toEqual({
        route: route.path,
        description: expect.stringContaining('IP_ALLOWLIST'),
      });
      // A 429 always says when to retry, in whole seconds.
      expect({ route: route.path, retryAfter: responses['429'].headers?.['Retry-After']?.schema }).toEqual({
        route: route.path,
        retryAfter: expect.objectContaining({ type: 'integer', minimum: 1 }),
      });
      if (route.auth !== 'public')
        expect({ route: route.path, 401: responses['401']?.description }).toEqual({
          route: route.path,
          401: expect.stringMatching(/token/),
        });
      // Fastify parses the body of any POST, PATCH or DELETE, read or not, before the guards run: GET has none to refuse.
      const bodyErrors = statuses.filter((s) => ['400', '413', '415'].includes(s));
      expect({ route: `${route.method} ${route.path}`, bodyErrors }).toEqual({
        route: `${route.method} ${route.path}`,
        bodyErrors: route.method === 'GET' ? [] : ['400', '413', '415'],
      });
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

  it('describes the security webhook it sends under x-webhooks: the signed headers and a body schema with every type', () => {
    const post = doc['x-webhooks']?.securityEvent?.post;
    expect(post).toBeDefined();
    expect(post!.parameters?.map((p) => `${p.in} ${p.name} ${p.required}`)).toEqual([
      'header webhook-id true',
      'header webhook-timestamp true',
      'header webhook-signature true',
    ]);
    const body = post!.requestBody!.content['application/json'].schema;
    expect(schemaName(body.$ref)).toBe('SecurityWebhookDto');
    const schema = doc.components.schemas.SecurityWebhookDto;
    expect(schema.properties!.type.enum).toEqual([...WEBHOOK_TYPES]);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'type', 'timestamp', 'data']));
  });

  it('documents every status the server answers to bodies it cannot take and to missing or bad tokens', async () => {
    const probes: Array<[string, Parameters<typeof live.client.send>[2]]> = [
      ['no token, no body', {}],
      ['a bad token', { token: 'not.a.token' }],
      ['an empty JSON object', { body: {} }],
      ['invalid JSON', { rawBody: '{', headers: { 'content-type': 'application/json' } }],
      ['a text/plain body', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }],
      [
        'a body over the limit',
        { rawBody: JSON.stringify({ a: 'x'.repeat(20_000) }), headers: { 'content-type': 'application/json' } },
      ],
    ];
    const seen = new Set<string>();
    for (const route of routes) {
      const documented = Object.keys(operation(route).responses);
      for (const [probe, options] of probes) {
        const { status } = await live.client.send(route.method, route.path, options);
        seen.add(String(status));
        expect({
          route: `${route.method} ${route.path}`,
          probe,
          status,
          documented: documented.includes(String(status)),
        }).toEqual({ route: `${route.method} ${route.path}`, probe, status, documented: true });
      }
    }
    // The probes reached the token and body checks, not only the 2xx paths.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['400', '401', '413', '415']));
  }, 60_000);

  it('refuses a request string one character over its documented maxLength: the limits shown are the enforced ones', async () => {
    const user = await enrolledUser(live.client);
    const wrong = wrongCode(user.secret);
    // Per route, bodies the validation accepts (the route then answers
    // something else than 400); each field is then made one character too long.
    const acceptedBodies: Record<string, Array<Record<string, string>>> = {
      'POST /auth/register': [{ username: uniqueUsername(), password: STRONG_PASSWORD }],
      'POST /auth/login': [{ username: user.username, password: 'not the password', deviceToken: 'not a device' }],
      'POST /auth/password': [{ currentPassword: 'not the password', newPassword: `${STRONG_PASSWORD}?`, code: wrong }],
      'POST /auth/refresh': [{ refreshToken: 'A'.repeat(43) }],
      'POST /auth/2fa/setup': [{ enrollmentTicket: 'not a ticket' }],
      'POST /auth/2fa/enable': [{ code: wrong }],
      'POST /auth/2fa/verify': [{ code: wrong }, { recoveryCode: 'aaaaa-aaaaa' }],
      'POST /auth/2fa/recovery-codes': [{ code: wrong }],
      'POST /auth/2fa/reset': [{ password: 'not the password', code: wrong }],
      'POST /auth/step-up': [{ code: wrong }, { recoveryCode: 'aaaaa-aaaaa' }],
    };
    const token = async (auth: RouteAuth) =>
      auth === 'access-token'
        ? user.accessToken
        : auth === 'pre-auth'
          ? await login(live.client, user.username, user.password)
          : undefined;
    const documentedFields: string[] = [];
    const testedFields: string[] = [];
    for (const route of routes.filter((r) => operation(r).requestBody && !PASSKEY_CEREMONY.test(r.path))) {
      const name = `${route.method} ${route.path}`;
      const schema =
        doc.components.schemas[schemaName(operation(route).requestBody!.content['application/json'].schema.$ref)];
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        if (PASSKEY_FIELDS.has(`${name} ${field}`)) continue;
        documentedFields.push(`${name} ${field}`);
        const body = (acceptedBodies[name] ?? []).find((candidate) => field in candidate);
        if (!body || property.maxLength === undefined) continue;
        const accepted = await live.client.post(route.path, { token: await token(route.auth), body });
        const tooLong = await live.client.post(route.path, {
          token: await token(route.auth),
          body: { ...body, [field]: 'x'.repeat(property.maxLength + 1) },
        });
        expect({ route: name, field, accepted: accepted.status !== 400, tooLong: tooLong.status }).toEqual({
          route: name,
          field,
          accepted: true,
          tooLong: 400,
        });
        testedFields.push(`${name} ${field}`);
      }
    }
    // Every request field has a limit, and a test of it.
    expect(testedFields.sort()).toEqual(documentedFields.sort());
  }, 60_000);

  it('answers what the response schemas promise: the documented fields, lengths, patterns and array sizes', async () => {
    const client = live.client;
    const checked: string[] = [];
    const check = (method: string, path: string, res: { status: number; body: unknown }) => {
      const schema = doc.paths[path][method.toLowerCase()].responses[res.status]?.content?.['application/json']?.schema;
      const route = `${method} ${path} ${res.status}`;
      expect({ route, documented: schema !== undefined }).toEqual({ route, documented: true });
      expect({ route, violations: violations(schema!, res.body, 'body') }).toEqual({ route, violations: [] });
      checked.push(`${method} ${path}`);
    };

    const username = uniqueUsername();
    const registered = await client.post('/auth/register', { body: { username, password: STRONG_PASSWORD } });
    check('POST', '/auth/register', registered);
    const loggedIn = await client.post('/auth/login', { body: { username, password: STRONG_PASSWORD } });
    check('POST', '/auth/login', loggedIn);
    const preAuthToken = loggedIn.body.preAuthToken as string;
    const setup = await client.post('/auth/2fa/setup', {
      token: preAuthToken,
      body: { enrollmentTicket: registered.body.enrollmentTicket },
    });
    check('POST', '/auth/2fa/setup', setup);
    const first = freshCode(setup.body.secret, null);
    const enabled = await client.post('/auth/2fa/enable', { token: preAuthToken, body: { code: first.code } });
    check('POST', '/auth/2fa/enable', enabled);
    const accessToken = enabled.body.accessToken as string;
    check('GET', '/auth/me', await client.get('/auth/me', { token: accessToken }));
    const second = freshCode(setup.body.secret, first.step);
    check(
      'POST',
      '/auth/2fa/recovery-codes',
      await client.post('/auth/2fa/recovery-codes', { token: accessToken, body: { code: second.code } }),
    );
    check(
      'POST',
      '/auth/refresh',
      await client.post('/auth/refresh', { body: { refreshToken: enabled.body.refreshToken } }),
    );
    check('GET', '/auth/sessions', await client.get('/auth/sessions', { token: accessToken }));
    check('GET', '/auth/devices', await client.get('/auth/devices', { token: accessToken }));
    // A recovery-code login: the verify response with recoveryCodesRemaining.
    const other = await enrolledUser(client);
    check(
      'POST',
      '/auth/2fa/verify',
      await recoveryLogin(client, other.username, other.password, other.recoveryCodes[0]),
    );
    check(
      'POST',
      '/auth/2fa/reset',
      await client.post('/auth/2fa/reset', {
        token: other.accessToken,
        body: { password: other.password, code: freshCode(other.secret, other.lastStep).code },
      }),
    );
    // A step-up with a recovery code: the token response with recoveryCodesRemaining.
    const stepper = await enrolledUser(client);
    check(
      'POST',
      '/auth/step-up',
      await client.post('/auth/step-up', {
        token: stepper.accessToken,
        body: { recoveryCode: stepper.recoveryCodes[0] },
      }),
    );
    check('GET', '/.well-known/jwks.json', await client.get('/.well-known/jwks.json'));
    check('GET', '/health', await client.get('/health'));
    check('GET', '/health/ready', await client.get('/health/ready'));
    // Errors too, in the one shape.
    check('GET', '/auth/me', await client.get('/auth/me'));
    check('POST', '/auth/login', await client.post('/auth/login', { body: { username } }));

    // Every route with a JSON response was checked (logout and logout-all answer 204 with no body).
    const withJson = routes
      .filter((r) => !PASSKEY_CEREMONY.test(r.path))
      .filter((r) => Object.entries(operation(r).responses).some(([s, res]) => /^2/.test(s) && res.content))
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(checked)].sort()).toEqual(withJson.sort());
  }, 60_000);

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
