import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { request as httpsRequest, type Server } from 'node:https';
import * as tls from 'node:tls';
import { expectError } from './support/expect-error';
import { STRONG_PASSWORD, register, uniqueUsername } from './support/flows';
import type { HttpsClient, Response } from './support/https-client';
import { useTestApp, type TestApp } from './support/test-app';
import { freshCode } from './support/totp';

/**
 * What every response looks like from outside, whatever its status:
 * security headers, the one error shape, no internals, and TLS settings as a
 * client sees them. 429 is covered by the rate-limit tests.
 */

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectSecurityHeaders(res: Response): void {
  expect(res.headers).toMatchObject(SECURITY_HEADERS);
  expect(res.headers).not.toHaveProperty('x-powered-by');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-request-id']).toMatch(UUID);
}

/** The one error shape (expectError), here also with the error name spelled out by the caller, as JSON, with a message. */
function expectErrorShape(res: Response, statusCode: number, error: string): void {
  expectError(res, statusCode);
  expect(res.body.error).toBe(error);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.message.length).toBeGreaterThan(0);
}

/** No stack frame, source path or module path in a response body. */
function expectNoInternals(res: Response): void {
  expect(res.text).not.toMatch(/\bat\s+\S+\s+\(|\bat\s+\/| {4}at /);
  expect(res.text).not.toMatch(/\/(work|home|usr|tmp|src|dist|node_modules)\/|[\w-]+\.(ts|js):\d+/);
  expect(res.text).not.toContain(process.cwd());
  expect(res.text).not.toMatch(/stack|Error:|FST_|SyntaxError|TypeError/);
}

/** A request with a chunked body (no Content-Length), which HttpsClient never sends. */
function postChunked(t: TestApp, path: string, chunks: Buffer[]): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: t.port,
        method: 'POST',
        path,
        ca: t.ca,
        agent: false,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
            text,
          });
        });
      },
    );
    // The server may answer 413 and close before the last chunk is written.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('HTTP hardening', () => {
  const app = useTestApp();

  describe('security headers and the error shape, whatever the status', () => {
    const cases: Array<[number, string, (c: HttpsClient) => Promise<Response>]> = [
      [200, 'OK', (c) => c.get('/health')],
      [400, 'Bad Request', (c) => c.post('/auth/login', { body: { username: 'a b', password: 'x' } })],
      [401, 'Unauthorized', (c) => c.get('/auth/me')],
      [404, 'Not Found', (c) => c.get('/no/such/route')],
      [404, 'Not Found', (c) => c.send('DELETE', '/health')],
      [
        413,
        'Payload Too Large',
        (c) => c.post('/auth/login', { body: { username: 'someone', password: 'x'.repeat(17 * 1024) } }),
      ],
      [
        415,
        'Unsupported Media Type',
        (c) => c.post('/auth/login', { rawBody: 'username=a&password=b', headers: { 'content-type': 'text/plain' } }),
      ],
    ];

    it.each(cases)('%i %s', async (status, error, send) => {
      const res = await send(app.client);
      expect(res.status).toBe(status);
      expectSecurityHeaders(res);
      expectNoInternals(res);
      if (status >= 400) expectErrorShape(res, status, error);
    });

    it('413 and 415 say what to do', async () => {
      const big = await app.client.post('/auth/login', {
        body: { username: 'someone', password: 'x'.repeat(17 * 1024) },
      });
      expect(big.body.message).toMatch(/16 KiB/);
      const text = await app.client.post('/auth/login', { rawBody: 'hi', headers: { 'content-type': 'text/plain' } });
      expect(text.body.message).toMatch(/application\/json/);
    });

    it('a body of many unknown fields gets a short 400: ten problems, then a count, never an echo of the whole body', async () => {
      const body: Record<string, string> = { username: 'alice', password: STRONG_PASSWORD };
      for (let i = 0; i < 1500; i += 1) body[`f${i}`] = '';
      const res = await app.client.post('/auth/login', { body });
      expectError(res, 400, /; and \d+ more$/);
      expect(res.body.message.length).toBeLessThanOrEqual(2048);
      expect(res.body.message.split('; ')).toHaveLength(11);
    });

    it('413 is decided by size: a body just under 16 KiB reaches validation (400)', async () => {
      const under = await app.client.post('/auth/login', {
        body: { username: 'someone', password: 'x'.repeat(16 * 1024 - 64) },
      });
      expectErrorShape(under, 400, 'Bad Request');
      expect(under.body.message).toMatch(/password/);
      const over = await app.client.post('/auth/login', {
        body: { username: 'someone', password: 'x'.repeat(16 * 1024) },
      });
      expectErrorShape(over, 413, 'Payload Too Large');
    });

    it('413 also without a Content-Length (chunked body over 16 KiB)', async () => {
      const body = Buffer.from(JSON.stringify({ username: 'someone', password: 'x'.repeat(20 * 1024) }));
      const res = await postChunked(app.t, '/auth/login', [body.subarray(0, 8192), body.subarray(8192)]);
      expectErrorShape(res, 413, 'Payload Too Large');
      expectSecurityHeaders(res);
    });

    // A form post is a CORS "simple request": a page on any site could send
    // one without a preflight. JSON only keeps that door shut.
    it('415 for a form-encoded login, even with valid credentials', async () => {
      const { username, password } = await register(app.client);
      const res = await app.client.post('/auth/login', {
        rawBody: new URLSearchParams({ username, password }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectErrorShape(res, 415, 'Unsupported Media Type');
      expect(res.text).not.toContain('preAuthToken');
      // Control: the same credentials as JSON log in.
      expect((await app.client.post('/auth/login', { body: { username, password } })).status).toBe(200);
    });

    it.each([
      ['text/plain', 'text/plain'],
      ['a form', 'application/x-www-form-urlencoded'],
      ['multipart', 'multipart/form-data; boundary=x'],
      ['XML', 'application/xml'],
    ])('415 for %s bodies', async (_name, contentType) => {
      const res = await app.client.post('/auth/login', {
        rawBody: '{"username":"someone","password":"x"}',
        headers: { 'content-type': contentType },
      });
      expectErrorShape(res, 415, 'Unsupported Media Type');
      expectNoInternals(res);
    });
  });

  describe('Cache-Control: no-store on /auth/* and token responses', () => {
    it('login (pre-auth token), setup (TOTP secret), enable (access token), /auth/me', async () => {
      const { username, password, enrollmentTicket } = await register(app.client, uniqueUsername('cache'));
      const login = await app.client.post('/auth/login', { body: { username, password } });
      expect(login.status).toBe(200);
      expect(login.headers['cache-control']).toBe('no-store');
      const setup = await app.client.post('/auth/2fa/setup', {
        token: login.body.preAuthToken,
        body: { enrollmentTicket },
      });
      expect(setup.status).toBe(200);
      expect(setup.headers['cache-control']).toBe('no-store');
      const enable = await app.client.post('/auth/2fa/enable', {
        token: login.body.preAuthToken,
        body: { code: freshCode(setup.body.secret, null).code },
      });
      expect(enable.status).toBe(200);
      expect(enable.body.accessToken).toEqual(expect.any(String));
      expect(enable.headers['cache-control']).toBe('no-store');
      const me = await app.client.get('/auth/me', { token: enable.body.accessToken });
      expect(me.status).toBe(200);
      expectSecurityHeaders(me);
    });

    it('register (201) and a refused login (401)', async () => {
      const reg = await app.client.post('/auth/register', {
        body: { username: uniqueUsername(), password: STRONG_PASSWORD },
      });
      expect(reg.status).toBe(201);
      expectSecurityHeaders(reg);
      const refused = await app.client.post('/auth/login', {
        body: { username: uniqueUsername(), password: STRONG_PASSWORD },
      });
      expectErrorShape(refused, 401, 'Unauthorized');
      expectSecurityHeaders(refused);
    });
  });

  describe('request bodies', () => {
    it.each([
      ['truncated JSON', '{"username":"someone","password":'],
      ['a trailing comma', '{"username":"someone","password":"x",}'],
      ['single quotes', "{'username':'someone'}"],
      ['not JSON at all', 'hello'],
      ['an empty body', ''],
    ])('malformed JSON (%s) → 400 in the error shape', async (_name, rawBody) => {
      const res = await app.client.post('/auth/login', { rawBody, headers: { 'content-type': 'application/json' } });
      expectErrorShape(res, 400, 'Bad Request');
      expectSecurityHeaders(res);
      expectNoInternals(res);
      // The message is fixed: it never quotes the request back.
      if (rawBody) expect(res.text).not.toContain(rawBody);
    });

    it.each([
      ['an array', '[{"username":"someone","password":"x"}]'],
      ['an empty array', '[]'],
      ['null', 'null'],
      ['a string', '"someone"'],
      ['a number', '42'],
      ['true', 'true'],
      ['an empty object', '{}'],
      ['nested objects for fields', '{"username":{"$ne":null},"password":{"$gt":""}}'],
    ])('JSON %s as the login body → 400, not 500', async (_name, rawBody) => {
      for (const path of ['/auth/login', '/auth/register']) {
        const res = await app.client.post(path, { rawBody, headers: { 'content-type': 'application/json' } });
        expectErrorShape(res, 400, 'Bad Request');
        expectNoInternals(res);
      }
    });

    it.each([
      ['__proto__', '{"username":"someone","password":"x","__proto__":{"polluted":"yes"}}'],
      ['nested __proto__', '{"username":"someone","password":{"__proto__":{"polluted":"yes"}}}'],
      ['constructor.prototype', '{"username":"someone","password":"x","constructor":{"prototype":{"polluted":"yes"}}}'],
    ])('a %s pollution payload → 400 at parsing, and no polluted prototype', async (_name, rawBody) => {
      // /auth/2fa/verify too: the body is parsed, and refused, before any token check.
      for (const path of ['/auth/login', '/auth/register', '/auth/2fa/verify']) {
        const res = await app.client.post(path, { rawBody, headers: { 'content-type': 'application/json' } });
        expectErrorShape(res, 400, 'Bad Request');
        expect(res.body.message).toBe('Request body is not valid JSON');
        expectNoInternals(res);
      }
      // The server runs in this process: a successful pollution would show here.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  });

  describe('request ids', () => {
    it("ignores the client's X-Request-Id and makes its own", async () => {
      const forged = 'attacker-chosen-id';
      const res = await app.client.get('/auth/me', { headers: { 'x-request-id': forged } });
      expectErrorShape(res, 401, 'Unauthorized');
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.headers['x-request-id']).not.toBe(forged);
      expect(res.text).not.toContain(forged);
      const uuid = '123e4567-e89b-42d3-a456-426614174000';
      const again = await app.client.get('/health', { headers: { 'x-request-id': uuid } });
      expect(again.headers['x-request-id']).not.toBe(uuid);
    });

    it('gives every request its own id', async () => {
      const ids = await Promise.all(
        [1, 2, 3].map(async () => (await app.client.get('/health')).headers['x-request-id']),
      );
      expect(new Set(ids).size).toBe(3);
    });
  });

  describe('TLS', () => {
    interface Handshake {
      authorized: boolean;
      protocol: string | null;
      cipher: string;
      certificate: X509Certificate | undefined;
    }

    function connect(options: tls.ConnectionOptions): Promise<Handshake> {
      return new Promise((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: app.t.port,
          ca: app.t.ca,
          servername: 'localhost',
          ...options,
        });
        socket.once('secureConnect', () => {
          const handshake = {
            authorized: socket.authorized,
            protocol: socket.getProtocol(),
            cipher: socket.getCipher().name,
            certificate: socket.getPeerX509Certificate(),
          };
          socket.end();
          resolve(handshake);
        });
        socket.once('error', reject);
      });
    }

    /** The server's own tlsClientError proves it refused, not that the client gave up. */
    async function expectServerToRefuse(options: tls.ConnectionOptions, serverErrorCode: string): Promise<void> {
      const server = app.t.app.getHttpServer() as Server;
      const serverError = once(server, 'tlsClientError');
      await expect(connect(options)).rejects.toThrow();
      const [error] = (await serverError) as [NodeJS.ErrnoException];
      expect(error.code).toBe(serverErrorCode);
    }

    it('refuses TLS 1.1 (client allowing TLS 1.0-1.1 at security level 0)', async () => {
      await expectServerToRefuse(
        { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
        'ERR_SSL_UNSUPPORTED_PROTOCOL',
      );
    });

    it('refuses TLS 1.2 with the CBC suite ECDHE-ECDSA-AES128-SHA', async () => {
      await expectServerToRefuse(
        { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' },
        'ERR_SSL_NO_SHARED_CIPHER',
      );
    });

    it('accepts TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256', async () => {
      const handshake = await connect({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
      expect(handshake).toMatchObject({
        authorized: true,
        protocol: 'TLSv1.2',
        cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      });
    });

    it('accepts TLS 1.3 and prefers it', async () => {
      expect(await connect({ minVersion: 'TLSv1.3' })).toMatchObject({ authorized: true, protocol: 'TLSv1.3' });
      expect((await connect({})).protocol).toBe('TLSv1.3');
    });

    it('presents a certificate that verifies against the dev CA for localhost and 127.0.0.1', async () => {
      const byName = await connect({ servername: 'localhost' });
      expect(byName.authorized).toBe(true);
      // No servername: Node checks the certificate against the IP it connected to.
      const byIp = await connect({ servername: undefined });
      expect(byIp.authorized).toBe(true);
      const cert = byName.certificate as X509Certificate;
      const ca = new X509Certificate(app.t.ca);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    });

    it('controls: the same client fails for another host name and without the dev CA', async () => {
      await expect(connect({ servername: 'example.com' })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
      await expect(connect({ ca: undefined })).rejects.toMatchObject({
        code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED/),
      });
    });
  });
});
