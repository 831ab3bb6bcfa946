import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { configureApp } from '../src/app.setup';
import { AuditModule } from '../src/audit/audit.module';
import { SecurityEvents } from '../src/audit/security-events.service';
import type { AppConfig } from '../src/config/app-config';
import { AppConfigModule } from '../src/config/app-config.module';
import { defaultEnvironment } from '../src/config/env.source';
import { loadConfig } from '../src/config/load-config';
import { AllowFrom } from '../src/ip-allowlist/allow-from.decorator';
import { IpAllowlistGuard } from '../src/ip-allowlist/ip-allowlist.guard';
import { devCertificatePaths } from '../src/tls/dev-certificates';
import { loadServerTls } from '../src/tls/server-tls';
import { expectError } from './support/expect-error';
import { STRONG_PASSWORD } from './support/flows';
import { HttpsClient, type Response } from './support/https-client';
import { removeDataDir, TEST_CERTS_DIR, useTestApp, withTestApp, type RunningTestApp } from './support/test-app';

/**
 * The IP allowlist is the first global guard: requests are told apart only
 * by the socket's source address (tests bind 127.0.0.x / ::1), never by a
 * header the client writes, unless the peer is a trusted proxy.
 */

const FORBIDDEN_MESSAGE = 'Requests from this address are not allowed';

/** The allowlist's 403: the one error shape with its fixed message. */
function expectRefused(res: Response): void {
  expectError(res, 403, FORBIDDEN_MESSAGE);
}

describe('IP allowlist', () => {
  describe('IPv4 clients (IP_ALLOWLIST=127.0.0.1/32,127.0.0.2/32,::1/128, no trusted proxies)', () => {
    const app = useTestApp({ IP_ALLOWLIST: '127.0.0.1/32,127.0.0.2/32,::1/128', TRUSTED_PROXIES: '' });

    it.each(['127.0.0.1', '127.0.0.2'])('serves %s', async (address) => {
      const res = await app.client.as(address).get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it.each(['127.0.0.3', '127.0.0.4', '127.255.255.254'])(
      'refuses %s with 403 in the usual error shape',
      async (address) => {
        expectRefused(await app.client.as(address).get('/health'));
      },
    );

    it('sends the security headers with the 403, and the request id of its body', async () => {
      const res = await app.client.as('127.0.0.3').get('/health');
      expectRefused(res);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-request-id']).toBe(res.body.requestId);
      expect(res.headers['retry-after']).toBeUndefined();
    });

    it('refuses before anything else on every kind of route: public, pre-auth and access-token', async () => {
      const refused = app.client.as('127.0.0.3');
      // Without the allowlist these would be 401 (bad credentials / no token) or 201.
      expectRefused(await refused.post('/auth/login', { body: { username: 'someone', password: STRONG_PASSWORD } }));
      expectRefused(
        await refused.post('/auth/register', { body: { username: 'newcomer', password: STRONG_PASSWORD } }),
      );
      expectRefused(await refused.get('/auth/me'));
      expectRefused(await refused.get('/auth/me', { token: 'not.a.token' }));
      expectRefused(await refused.post('/auth/2fa/verify', { body: { code: '123456' } }));
      expectRefused(await refused.post('/auth/2fa/setup'));
    });

    it('logs the refused address and route, never the allowed ones', async () => {
      const warn = spyOnRefusals();
      try {
        await app.client.as('127.0.0.2').get('/health');
        expect(refusals(warn)).toEqual([]);
        const res = await app.client
          .as('127.0.0.3')
          .post('/auth/login', { body: { username: 'someone', password: 'x' } });
        expect(res.status).toBe(403);
        expect(refusals(warn)).toEqual([`refused 127.0.0.3 for /auth/login (request ${res.body.requestId})`]);
      } finally {
        warn.mockRestore();
      }
    });

    it('refuses an outside address before routing and body parsing: no 404, 400, 413 or 415 leaks', async () => {
      const refused = app.client.as('127.0.0.3');
      expectRefused(await refused.get('/no/such/route'));
      expectRefused(
        await refused.post('/auth/login', { rawBody: '{not json', headers: { 'content-type': 'application/json' } }),
      );
      expectRefused(
        await refused.post('/auth/login', {
          rawBody: 'x'.repeat(20_000),
          headers: { 'content-type': 'application/json' },
        }),
      );
      expectRefused(await refused.post('/auth/login', { rawBody: 'a=b', headers: { 'content-type': 'text/plain' } }));
      // The same requests from an allowed address get the parser's answers: the 403s above are the hook's.
      const allowed = app.client.as('127.0.0.2');
      expect((await allowed.get('/no/such/route')).status).toBe(404);
      expect(
        (await allowed.post('/auth/login', { rawBody: '{not json', headers: { 'content-type': 'application/json' } }))
          .status,
      ).toBe(400);
      expect(
        (
          await allowed.post('/auth/login', {
            rawBody: 'x'.repeat(20_000),
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(413);
    });

    describe('X-Forwarded-For and friends from an untrusted peer are ignored', () => {
      it.each([
        ['X-Forwarded-For', '127.0.0.1'],
        ['X-Forwarded-For', '10.0.0.1, 127.0.0.2'],
        ['X-Forwarded-For', '::1'],
        ['Forwarded', 'for=127.0.0.1'],
        ['X-Real-IP', '127.0.0.1'],
        ['X-Client-IP', '127.0.0.1'],
        ['True-Client-IP', '127.0.0.1'],
      ])('a refused client claiming %s: %s stays refused', async (header, value) => {
        expectRefused(await app.client.as('127.0.0.3').get('/health', { headers: { [header]: value } }));
      });

      it('a refused client sending the claim on several header lines stays refused', async () => {
        const res = await app.client
          .as('127.0.0.3')
          .get('/health', { headers: { 'X-Forwarded-For': ['127.0.0.1', '127.0.0.2'] } });
        expectRefused(res);
      });

      it.each([
        ['a refused address', '127.0.0.3'],
        ['an unlisted address', '10.9.9.9'],
        ['a non-canonical address', '0177.0.0.1'],
        ['garbage', 'garbage'],
        ['only commas', ',,,'],
        ['a thousand entries', Array(1000).fill('10.0.0.1').join(', ')],
      ])('an allowed client forwarding %s stays allowed (the header is not even parsed)', async (_what, value) => {
        const res = await app.client.as('127.0.0.2').get('/health', { headers: { 'X-Forwarded-For': value } });
        expect(res.status).toBe(200);
      });
    });
  });

  describe('IPv6 and IPv4-mapped clients (server on ::)', () => {
    const onDualStack = (overrides: Record<string, string>, run: (app: RunningTestApp) => Promise<void>) =>
      withTestApp(overrides, run, { host: '::' });

    it('IP_ALLOWLIST=127.0.0.5/32,::1/128: ::1 and the mapped IPv4 client ::ffff:127.0.0.5 are allowed', () =>
      onDualStack({ IP_ALLOWLIST: '127.0.0.5/32,::1/128' }, async ({ client }) => {
        expect((await client.get('/health', { host: '::1', localAddress: '::1' })).status).toBe(200);
        // Connected over IPv4 to a dual-stack socket: the server sees ::ffff:127.0.0.5.
        expect((await client.get('/health', { host: '127.0.0.1', localAddress: '127.0.0.5' })).status).toBe(200);
        expectRefused(await client.get('/health', { host: '127.0.0.1', localAddress: '127.0.0.6' }));
      }));

    it('IP_ALLOWLIST=::/0: every IPv6 client, but no IPv4 client even though the server sees it as ::ffff:a.b.c.d', () =>
      onDualStack({ IP_ALLOWLIST: '::/0' }, async ({ client }) => {
        expect((await client.get('/health', { host: '::1', localAddress: '::1' })).status).toBe(200);
        expectRefused(await client.get('/health', { host: '127.0.0.1', localAddress: '127.0.0.2' }));
      }));

    it('IP_ALLOWLIST=::ffff:127.0.0.0/104 (a mapped IPv4 range): IPv4 loopback clients allowed, ::1 refused', () =>
      onDualStack({ IP_ALLOWLIST: '::ffff:127.0.0.0/104' }, async ({ client }) => {
        expect((await client.get('/health', { host: '127.0.0.1', localAddress: '127.0.0.2' })).status).toBe(200);
        expectRefused(await client.get('/health', { host: '::1', localAddress: '::1' }));
      }));

    it('the development default (127.0.0.0/8,::1/128) allows both loopbacks', () =>
      onDualStack({}, async ({ t, client }) => {
        expect(t.config.network.allowlist.entries()).toEqual(['127.0.0.0/8', '::1/128']);
        expect((await client.get('/health', { host: '::1', localAddress: '::1' })).status).toBe(200);
        expect((await client.get('/health', { host: '127.0.0.1', localAddress: '127.0.0.7' })).status).toBe(200);
      }));
  });

  describe('refused requests and the rate limits (RATE_LIMIT_DEFAULT=3/60, RATE_LIMIT_LOGIN=2/60)', () => {
    const app = useTestApp({
      IP_ALLOWLIST: '127.0.0.2/32',
      TRUSTED_PROXIES: '127.0.0.9/32',
      RATE_LIMIT_DEFAULT: '3/60',
      RATE_LIMIT_LOGIN: '2/60',
    });

    it('a refused address flooding far beyond the limits only ever gets 403, never 429', async () => {
      const refused = app.client.as('127.0.0.3');
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        statuses.push((await refused.get('/health')).status);
        statuses.push((await refused.post('/auth/login', { body: { username: 'someone', password: 'x' } })).status);
      }
      expect(new Set(statuses)).toEqual(new Set([403]));
    });

    it('refused clients behind the shared proxy do not eat the allowed client’s budget', async () => {
      const proxy = app.client.as('127.0.0.9');
      for (let i = 0; i < 12; i += 1) {
        expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': '10.9.9.9' } }));
        // An unknown address (malformed chain) is refused, not counted either.
        expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': 'garbage' } }));
      }
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        statuses.push((await proxy.get('/health', { headers: { 'X-Forwarded-For': '127.0.0.2' } })).status);
      }
      // The full budget of 3, then the limit does apply.
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });

  describe('behind a trusted proxy (TRUSTED_PROXIES=127.0.0.9/32, IP_ALLOWLIST=127.0.0.2/32)', () => {
    const app = useTestApp({ IP_ALLOWLIST: '127.0.0.2/32', TRUSTED_PROXIES: '127.0.0.9/32' });
    let proxy: HttpsClient;
    beforeAll(() => {
      proxy = app.client.as('127.0.0.9');
    });

    it.each([
      ['10.9.9.9, 127.0.0.2', 'the rightmost untrusted hop'],
      ['127.0.0.2', 'the only hop'],
      ['127.0.0.2, 127.0.0.9', 'trusted hops skipped from the right'],
      ['10.9.9.9,127.0.0.2', 'without optional whitespace'],
      ['::ffff:127.0.0.2', 'an IPv4-mapped hop'],
    ])('XFF %j is client 127.0.0.2 (%s): allowed', async (xff) => {
      expect((await proxy.get('/health', { headers: { 'X-Forwarded-For': xff } })).status).toBe(200);
    });

    it('joins several XFF lines in order', async () => {
      expect((await proxy.get('/health', { headers: { 'X-Forwarded-For': ['10.9.9.9', '127.0.0.2'] } })).status).toBe(
        200,
      );
      expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': ['127.0.0.2', '10.9.9.9'] } }));
    });

    it.each([
      ['127.0.0.2, 10.9.9.9', 'the leftmost entry is written by the client and never trusted'],
      ['127.0.0.2, 10.9.9.9, 127.0.0.9', 'the first untrusted hop from the right is the client'],
      ['127.0.0.9', 'every hop trusted: the leftmost one, the proxy itself, is the client'],
    ])('XFF %j is refused: %s', async (xff) => {
      expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': xff } }));
    });

    it('without X-Forwarded-For the proxy itself is the client (not allowlisted)', async () => {
      expectRefused(await proxy.get('/health'));
    });

    it('an untrusted peer forwarding an allowed address is still refused', async () => {
      expectRefused(await app.client.as('127.0.0.3').get('/health', { headers: { 'X-Forwarded-For': '127.0.0.2' } }));
      expectRefused(
        await app.client.as('127.0.0.3').get('/health', { headers: { 'X-Forwarded-For': '127.0.0.9, 127.0.0.2' } }),
      );
    });

    it('logs the resolved client address, not the proxy', async () => {
      const warn = spyOnRefusals();
      try {
        const res = await proxy.get('/health', { headers: { 'X-Forwarded-For': '127.0.0.2, 10.9.9.9' } });
        expectRefused(res);
        expect(refusals(warn)).toEqual([`refused 10.9.9.9 for /health (request ${res.body.requestId})`]);
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('malformed forwarded chains make the client unknown, never the address they imitate', () => {
    // Everyone is allowed here, and the proxy itself too: the only way to get
    // a 403 is an address the server refuses to believe.
    const app = useTestApp({ IP_ALLOWLIST: '0.0.0.0/0,::/0', TRUSTED_PROXIES: '127.0.0.9/32' });
    let proxy: HttpsClient;
    beforeAll(() => {
      proxy = app.client.as('127.0.0.9');
    });

    it('baseline: canonical forwarded addresses are served', async () => {
      for (const xff of ['127.0.0.1', '10.9.9.9, 127.0.0.1', 'fe80::1', '2001:db8::1']) {
        expect((await proxy.get('/health', { headers: { 'X-Forwarded-For': xff } })).status).toBe(200);
      }
    });

    it.each([
      ['octal', '0177.0.0.1'],
      ['hexadecimal', '0x7f.0.0.1'],
      ['a 32-bit integer', '2130706433'],
      ['short form', '127.1'],
      ['leading zero', '127.0.0.01'],
      ['mapped octal', '::ffff:0177.0.0.1'],
      ['IPv4-compatible', '::127.0.0.1'],
      ['zone id', 'fe80::1%eth0'],
      ['numeric zone id', 'fe80::1%1'],
      ['brackets', '[::1]'],
      ['port', '127.0.0.1:443'],
      ['bracketed with port', '[::1]:443'],
      ['hostname', 'localhost'],
      ['obfuscated', 'unknown'],
      ['markup', '<script>alert(1)</script>'],
    ])('rightmost hop in %s form (%s): 403', async (_form, hop) => {
      expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': hop } }));
      expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': `10.9.9.9, ${hop}` } }));
    });

    it.each([
      ['empty', ''],
      ['only commas', ',,,'],
      ['an empty entry', '10.9.9.9,,127.0.0.1'],
      ['a trailing comma', '127.0.0.1,'],
      ['a blank entry', '10.9.9.9, ,127.0.0.1'],
      ['a non-canonical hop behind a trusted one', '0177.0.0.1, 127.0.0.9'],
      ['a thousand entries', Array(1000).fill('10.9.9.9').join(', ')],
      ['65 entries', Array(65).fill('10.9.9.9').join(',')],
      // Inner padding: Node strips the header's leading and trailing whitespace.
      ['10 KiB of padding', `127.0.0.1${' '.repeat(10 * 1024)}, 127.0.0.1`],
      ['10 KiB of garbage', 'x'.repeat(10 * 1024)],
      ['latin-1 bytes', '127.0.0.1\u00ff'],
    ])('a chain with %s: 403, not 500', async (_what, xff) => {
      expectRefused(await proxy.get('/health', { headers: { 'X-Forwarded-For': xff } }));
    });

    it('logs a malformed chain as an unknown address', async () => {
      const warn = spyOnRefusals();
      try {
        const res = await proxy.get('/health', { headers: { 'X-Forwarded-For': '0177.0.0.1' } });
        expectRefused(res);
        expect(refusals(warn)).toEqual([`refused unknown address for /health (request ${res.body.requestId})`]);
      } finally {
        warn.mockRestore();
      }
    });

    it('a header beyond the server’s header limit gets a 4xx, and the server keeps serving', async () => {
      const res = await proxy.get('/health', {
        headers: { 'X-Forwarded-For': Array(3000).fill('10.9.9.9').join(', ') },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await proxy.get('/health', { headers: { 'X-Forwarded-For': '127.0.0.1' } })).status).toBe(200);
    });

    it('a burst of hostile chains leaves the server serving', async () => {
      const hostile = ['0177.0.0.1', 'fe80::1%eth0', Array(1000).fill('1.1.1.1').join(','), 'x'.repeat(10 * 1024), ''];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          proxy.get('/health', { headers: { 'X-Forwarded-For': hostile[i % hostile.length] } }),
        ),
      );
      expect(new Set(results.map((r) => r.status))).toEqual(new Set([403]));
      expect((await proxy.get('/health', { headers: { 'X-Forwarded-For': '127.0.0.1' } })).status).toBe(200);
      expect((await app.client.as('127.0.0.2').get('/health')).status).toBe(200);
    });

    it('an empty username from a forwarded client is a clear 400', async () => {
      const res = await proxy.post('/auth/login', {
        headers: { 'X-Forwarded-For': '127.0.0.1' },
        body: { username: '', password: STRONG_PASSWORD },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/username/);
    });
  });
});

// ---------------------------------------------------------------------------
// @AllowFrom: no route of the app uses it yet, so a minimal Nest app is built
// here from the real pieces (validated config, dev TLS, configureApp, the
// client-address hook and IpAllowlistGuard as the global guard).

@Controller('probe')
class ProbeController {
  @Get('open')
  open() {
    return { route: 'open' };
  }

  @AllowFrom('127.0.0.2/32')
  @Get('narrow')
  narrow() {
    return { route: 'narrow' };
  }

  // Wider than IP_ALLOWLIST: must not let 127.0.0.4 in.
  @AllowFrom('127.0.0.0/8')
  @Get('wide')
  wide() {
    return { route: 'wide' };
  }
}

@AllowFrom('127.0.0.2/32, 127.0.0.3/32')
@Controller('scoped')
class ScopedController {
  @Get('inherit')
  inherit() {
    return { route: 'inherit' };
  }

  // Both lists apply: only 127.0.0.3 is in each.
  @AllowFrom('127.0.0.1/32, 127.0.0.3/32')
  @Get('both')
  both() {
    return { route: 'both' };
  }
}

@Module({})
class ProbeModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        AppConfigModule.register(config, { appSecret: Buffer.alloc(32), jwtPreviousPublicKeyPems: [] }),
        AuditModule.register(config, pino({ level: 'silent' })),
      ],
      controllers: [ProbeController, ScopedController],
      providers: [{ provide: APP_GUARD, useClass: IpAllowlistGuard }],
    };
  }
}

describe('@AllowFrom (IP_ALLOWLIST=127.0.0.1/32,127.0.0.2/32,127.0.0.3/32)', () => {
  let app: NestFastifyApplication;
  let client: HttpsClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-test-'));

  beforeAll(async () => {
    const config = loadConfig({
      ...(defaultEnvironment() as Record<string, string>),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dataDir, 'app.db')}`,
      DEV_SECRETS_DIR: join(dataDir, 'secrets'),
      CERTS_DIR: TEST_CERTS_DIR,
      LOG_LEVEL: 'fatal',
      IP_ALLOWLIST: '127.0.0.1/32,127.0.0.2/32,127.0.0.3/32',
    });
    const https = await loadServerTls(config, () => undefined);
    app = await NestFactory.create<NestFastifyApplication>(
      ProbeModule.register(config),
      new FastifyAdapter({ https, trustProxy: false }),
      { logger: false },
    );
    await configureApp(app, config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.getHttpServer().address();
    const ca = readFileSync(devCertificatePaths(TEST_CERTS_DIR).caCert);
    client = new HttpsClient(typeof address === 'object' && address ? address.port : 0, ca);
  });
  afterAll(async () => {
    await app?.close();
    removeDataDir(dataDir);
  });

  it.each([
    ['/probe/open', ['127.0.0.1', '127.0.0.2', '127.0.0.3'], ['127.0.0.4']],
    ['/probe/narrow', ['127.0.0.2'], ['127.0.0.1', '127.0.0.3', '127.0.0.4']],
    ['/probe/wide', ['127.0.0.1', '127.0.0.2', '127.0.0.3'], ['127.0.0.4']],
    ['/scoped/inherit', ['127.0.0.2', '127.0.0.3'], ['127.0.0.1', '127.0.0.4']],
    ['/scoped/both', ['127.0.0.3'], ['127.0.0.1', '127.0.0.2', '127.0.0.4']],
  ])('%s allows %j and refuses %j', async (path, allowed, refused) => {
    for (const address of allowed) {
      const res = await client.as(address).get(path);
      expect({ address, status: res.status }).toEqual({ address, status: 200 });
    }
    for (const address of refused) {
      const res = await client.as(address).get(path);
      expect({ address, status: res.status }).toEqual({ address, status: 403 });
      expectRefused(res);
    }
  });

  it('rejects a malformed list when the decorator is evaluated, i.e. at startup', () => {
    expect(() => AllowFrom('10.0.0.1/8')).toThrow(
      '@AllowFrom: "10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?',
    );
    expect(() => AllowFrom('0177.0.0.1')).toThrow('@AllowFrom: "0177.0.0.1" is not a valid IP address or CIDR range');
  });
});

/** The net.ip.refused security events recorded while the spy is on, as one readable line each. */
function spyOnRefusals() {
  return jest.spyOn(SecurityEvents.prototype, 'record');
}

function refusals(spy: ReturnType<typeof spyOnRefusals>): string[] {
  return spy.mock.calls
    .filter(([event]) => event === 'net.ip.refused')
    .map(
      ([, origin]) =>
        `refused ${origin?.clientAddress ?? 'unknown address'} for ${origin?.route ?? '(no route)'} (request ${origin?.requestId})`,
    );
}
