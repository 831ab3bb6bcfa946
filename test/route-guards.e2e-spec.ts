import { Reflector } from '@nestjs/core';
import type { NestContainer } from '@nestjs/core/injector/container';
import { GuardsContextCreator } from '@nestjs/core/internal';
import type { IpRangeList } from '../src/client-address/ip-range-list';
import { ALLOW_FROM } from '../src/ip-allowlist/allow-from.decorator';
import { RATE_LIMIT_BUCKET } from '../src/rate-limit/rate-limit.decorator';
import { controllerRoutes } from './support/nest-routes';
import { useTestApp, type TestApp } from './support/test-app';
import { buildWebClient } from './support/web-client-build';

/**
 * The permission table of the API: every route Fastify serves, with the
 * guards Nest runs for it, in the order it runs them, and the metadata those
 * guards read. A new route, a reordered guard or a changed decorator fails
 * this test until the table below is updated.
 *
 * A diff here is a permission change: review it as one.
 */
const GLOBAL_GUARDS = ['IpAllowlistGuard', 'RateLimitGuard', 'JwtAuthGuard'];

const EXPECTED_ROUTES: RouteRow[] = [
  {
    route: 'GET /health',
    guards: GLOBAL_GUARDS,
    auth: 'public',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'GET /health/ready',
    guards: GLOBAL_GUARDS,
    auth: 'public',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  // RegistrationOpenGuard: REGISTRATION_ENABLED=false makes the route a 404, after the global guards.
  {
    route: 'POST /auth/register',
    guards: [...GLOBAL_GUARDS, 'RegistrationOpenGuard'],
    auth: 'public',
    rateLimit: 'default+login',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/login',
    guards: GLOBAL_GUARDS,
    auth: 'public',
    rateLimit: 'default+login',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'GET /auth/me',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/2fa/setup',
    guards: GLOBAL_GUARDS,
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/2fa/enable',
    guards: GLOBAL_GUARDS,
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/2fa/verify',
    guards: GLOBAL_GUARDS,
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/2fa/recovery-codes',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/2fa/reset',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/password',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/refresh',
    guards: GLOBAL_GUARDS,
    auth: 'public',
    rateLimit: 'default+login',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/logout',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/logout-all',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  // The caller's own sessions and devices; the DELETEs also need a login of the last 5 minutes (@RequireAuth).
  {
    route: 'GET /auth/sessions',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'DELETE /auth/sessions/:id',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'GET /auth/devices',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'DELETE /auth/devices/:id',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
  // WebAuthnEnabledGuard: WEBAUTHN_ENABLED=false makes every passkey route a 404, after the global guards.
  {
    route: 'POST /auth/webauthn/register/options',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/register/verify',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'GET /auth/webauthn/credentials',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'PATCH /auth/webauthn/credentials/:id',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'DELETE /auth/webauthn/credentials/:id',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/authenticate/options',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/authenticate/verify',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/enroll/options',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/enroll/verify',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'pre-auth',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/login/options',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'public',
    rateLimit: 'default+login',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/webauthn/login/verify',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'public',
    rateLimit: 'default+login',
    allowFrom: [],
    throttlerOverrides: [],
  },
  // Step-up takes any access token, however old (that is what it is for), under the 2fa limit like every proof.
  {
    route: 'POST /auth/step-up',
    guards: GLOBAL_GUARDS,
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'POST /auth/step-up/webauthn/options',
    guards: [...GLOBAL_GUARDS, 'WebAuthnEnabledGuard'],
    auth: 'access-token',
    rateLimit: 'default+2fa',
    allowFrom: [],
    throttlerOverrides: [],
  },
  {
    route: 'GET /.well-known/jwks.json',
    guards: GLOBAL_GUARDS,
    auth: 'public',
    rateLimit: 'default',
    allowFrom: [],
    throttlerOverrides: [],
  },
];

/**
 * The one exception: Swagger UI and the OpenAPI document (src/openapi/),
 * outside production only. They are plain Fastify routes, so none of the
 * guards above run for them; the onRequest allowlist hook does (see
 * openapi.e2e-spec.ts), and they serve only the document and the UI's files.
 */
const DOCS_ROUTES = [
  'GET /docs',
  'GET /docs-json',
  'GET /docs/swagger-ui.css',
  'GET /docs/index.css',
  'GET /docs/swagger-ui-bundle.js',
  'GET /docs/swagger-ui-init.js',
  'GET /docs/favicon-32x32.png',
];

/** The reference web client (src/web-client): its page and a fixed list of files, nothing else. */
const WEB_CLIENT_ROUTES = [
  'GET /app',
  'GET /app/',
  'GET /app/app.css',
  'GET /app/app.js',
  'GET /app/api.js',
  'GET /app/dom.js',
  'GET /app/vendor/simplewebauthn-browser.js',
];

interface RouteRow {
  route: string;
  /** Every guard Nest runs for the route (global, controller, handler), in order. */
  guards: string[];
  /** What JwtAuthGuard asks for: @Public() → nothing, @PreAuth() → a pre-auth token, else an access token. */
  auth: 'public' | 'pre-auth' | 'access-token';
  /** The default limiter always applies; @RateLimit(bucket) adds a named one. */
  rateLimit: string;
  /** Every @AllowFrom list on the controller and the handler (all of them apply). */
  allowFrom: string[][];
  /** Any @Throttle / @SkipThrottle metadata, which would bypass or change the limits. */
  throttlerOverrides: string[];
}

interface DiscoveredRoute {
  row: RouteRow;
  method: string;
  path: string;
}

/** Every controller route Nest knows about, with the guards Nest itself would build for it. */
function discoverRoutes(t: TestApp): DiscoveredRoute[] {
  // The container and its ApplicationConfig hold the global guards in
  // registration order; GuardsContextCreator is what the router uses to
  // assemble each route's guard chain, so this is the chain that runs.
  const container = (t.app as unknown as { container: NestContainer }).container;
  const guardsCreator = new GuardsContextCreator(container, container.applicationConfig);
  const reflector = new Reflector();
  return controllerRoutes(t).map(({ method, path, auth, targets, instance, wrapper }) => {
    const guards = guardsCreator
      .create(instance, targets[0], wrapper.host!.token)
      .map((guard) => (guard as object).constructor.name);
    const bucket = reflector.getAllAndOverride<string | undefined>(RATE_LIMIT_BUCKET, targets);
    const allowFrom = reflector
      .getAll<(IpRangeList | undefined)[]>(ALLOW_FROM, targets)
      .filter((list): list is IpRangeList => list !== undefined)
      .map((list) => list.entries());
    const throttlerOverrides = targets
      .flatMap((target) => Reflect.getMetadataKeys(target) as unknown[])
      .filter((key): key is string => typeof key === 'string' && key.startsWith('THROTTLER:'));
    return {
      method,
      path,
      row: {
        route: `${method} ${path}`,
        guards,
        auth,
        rateLimit: bucket ? `default+${bucket}` : 'default',
        allowFrom,
        throttlerOverrides,
      },
    };
  });
}

/**
 * What Fastify actually serves, from its own route table: "METHOD /path"
 * entries. printRoutes draws a radix tree (4 columns per level) whose
 * segments join into paths, e.g. "/auth/logout" then "-all" below it.
 */
function fastifyRoutes(t: TestApp): string[] {
  const table = t.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const prefixes: string[] = [];
  return table
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const match = /^([│├└─\s]*)(\S+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
      if (!match) throw new Error(`unexpected line in Fastify's route table: ${JSON.stringify(line)}`);
      const depth = Math.floor(match[1].length / 4);
      prefixes.length = depth;
      const path = prefixes.join('') + match[2];
      prefixes.push(match[2]);
      return match[3] ? match[3].split(', ').map((method) => `${method} ${path}`) : [];
    });
}

describe('route permission table', () => {
  // Built first, so the app serves the web client's routes whether or not `npm run build` ran.
  beforeAll(() => buildWebClient());
  const app = useTestApp();
  let routes: DiscoveredRoute[];

  beforeAll(() => {
    routes = discoverRoutes(app.t);
  });

  it('the global guards run in the designed order: allowlist, then rate limits, then the token check', () => {
    const container = (app.t.app as unknown as { container: NestContainer }).container;
    const config = container.applicationConfig!;
    expect(config.getGlobalGuards().map((guard) => guard.constructor.name)).toEqual(GLOBAL_GUARDS);
    // A request-scoped APP_GUARD would run after all of these: there must be none.
    expect(config.getGlobalRequestGuards()).toEqual([]);
  });

  it('every route, its guards, auth, rate-limit bucket and @AllowFrom lists match the reviewed table', () => {
    const sortByRoute = (rows: RouteRow[]) => [...rows].sort((a, b) => a.route.localeCompare(b.route));
    expect(sortByRoute(routes.map((r) => r.row))).toEqual(sortByRoute(EXPECTED_ROUTES));
  });

  it('Fastify serves exactly these routes (plus HEAD for each GET): nothing registered around Nest’s guards but the docs and the web client', () => {
    const expected = [
      ...routes.map(({ method, path }) => `${method} ${path}`),
      ...DOCS_ROUTES,
      ...WEB_CLIENT_ROUTES,
    ].flatMap((route) => (route.startsWith('GET ') ? [route, `HEAD ${route.slice(4)}`] : [route]));
    expect(fastifyRoutes(app.t).sort()).toEqual(expected.sort());
  });

  it('the table matches behaviour: without a token only the public routes get past the token check', async () => {
    // Every route answers from an allowed address with a body that passes
    // validation; only the guards decide whether it is 401.
    const bodies: Record<string, unknown> = {
      'POST /auth/register': { username: 'table.check', password: 'correct horse battery staple 42!' },
      'POST /auth/login': { username: 'nobody.here', password: 'whatever-password' },
    };
    const observed: Record<string, boolean> = {};
    for (const { method, path, row } of routes) {
      const res = await app.client.send(method, path, {
        body: bodies[row.route] ?? (method === 'POST' ? { code: '123456' } : undefined),
      });
      expect(res.status).toBeLessThan(500);
      observed[row.route] = res.status === 401 && res.body.message !== 'Invalid username or password';
    }
    const expected = Object.fromEntries(routes.map(({ row }) => [row.route, row.auth !== 'public']));
    expect(observed).toEqual(expected);
    // HEAD goes through the same chain as GET.
    for (const { method, path, row } of routes) {
      if (method !== 'GET') continue;
      expect((await app.client.send('HEAD', path)).status).toBe(row.auth === 'public' ? 200 : 401);
    }
  });
});
