import * as tls from 'node:tls';
import { expectError } from './support/expect-error';
import type { Response } from './support/https-client';
import { useTestApp, type TestApp } from './support/test-app';

/**
 * Requests Node's HTTP server refuses before Fastify runs a hook: found by
 * the contract fuzz (contract-fuzz.e2e-spec.ts) leaving without the security
 * headers, the request id or the error shape. Each now gets all three, with
 * the very helmet headers of an ordinary response.
 */

/** The headers helmet sets, as an ordinary response carries them. */
const HELMET_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

/** Bytes no node:http client would send, over TLS, and the raw answer. */
function rawExchange(t: TestApp, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: t.port, ca: t.ca, servername: 'localhost' }, () =>
      socket.write(bytes),
    );
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

function parseRaw(raw: string): Response {
  const [head, text] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(text), text };
}

describe('requests the HTTP parser refuses', () => {
  const app = useTestApp();
  let ordinary: Response;

  beforeAll(async () => {
    ordinary = await app.client.get('/health');
    // Control: the list above is what helmet really sets.
    for (const name of HELMET_HEADERS)
      expect({ name, set: typeof ordinary.headers[name] }).toEqual({ name, set: 'string' });
  });

  function expectHardened(res: Response, status: number, message: RegExp): void {
    expectError(res, status, message);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    for (const name of HELMET_HEADERS)
      expect({ name, value: res.headers[name] }).toEqual({ name, value: ordinary.headers[name] });
  }

  it('414 for a path parameter over the router limit, and 400 for an undecodable URL, in the error shape', async () => {
    // The router answers these before any hook (the contract fuzz found a bare 414 on a huge passkey id).
    expectHardened(await app.client.send('DELETE', `/auth/webauthn/credentials/${'a'.repeat(200)}`), 414, /too long/);
    expectHardened(await app.client.send('DELETE', '/auth/webauthn/credentials/%E0%A4%A'), 400, /Malformed URL/);
  });

  it('431 for headers over 16 KiB, in the error shape with the security headers', async () => {
    const res = await app.client.get('/auth/me', { headers: { authorization: `Bearer ${'a'.repeat(20 * 1024)}` } });
    expectHardened(res, 431, /16 KiB/);
  });

  it('400 for Content-Length together with Transfer-Encoding (a request-smuggling shape)', async () => {
    const res = await app.client.post('/auth/login', {
      rawBody: '{}',
      exactHeaders: true,
      headers: { 'content-type': 'application/json', 'content-length': '2', 'transfer-encoding': 'chunked' },
    });
    expectHardened(res, 400, /^Malformed HTTP request$/);
  });

  it('400 for two Content-Length headers', async () => {
    const res = await app.client.post('/auth/login', {
      rawBody: '{}',
      exactHeaders: true,
      headers: { 'content-type': 'application/json', 'content-length': ['2', '2'] },
    });
    expectHardened(res, 400, /^Malformed HTTP request$/);
  });

  it('400 for a request line no client library would send', async () => {
    const raw = await rawExchange(app.t, 'GET /health HTTP/1.1 extra\r\nHost: localhost\r\n\r\n');
    expectHardened(parseRaw(raw), 400, /^Malformed HTTP request$/);
  });

  it('the answer survives a client that keeps sending (Expect: 100-continue, then an invalid Transfer-Encoding)', async () => {
    // The server sends 100 Continue, the parser then refuses the framing, and the client
    // sends on: a destroyed socket answered that with a TCP reset (ECONNRESET, no answer).
    for (let i = 0; i < 5; i += 1) {
      const res = await app.client.get('/health', {
        exactHeaders: true,
        headers: { expect: '100-continue', 'transfer-encoding': 'gzip' },
      });
      expectHardened(res, 400, /^Malformed HTTP request$/);
    }
  });

  it('no body after the headers when the refused request is a HEAD (the fuzz case: HEAD with Transfer-Encoding: gzip)', async () => {
    const raw = await rawExchange(app.t, 'HEAD /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n');
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain("content-security-policy: default-src 'none';frame-ancestors 'none'");
    expect(body).toBe('');
    // Control: the same refusal for GET carries the error body.
    const get = await rawExchange(app.t, 'GET /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n');
    expectHardened(parseRaw(get), 400, /^Malformed HTTP request$/);
  });

  it('417 for an Expect other than 100-continue; 100-continue itself still works', async () => {
    const res = await app.client.get('/health', { headers: { expect: 'something-else' } });
    expectHardened(res, 417, /100-continue/);
    const ok = await app.client.post('/auth/login', {
      body: { username: 'nobody', password: 'x' },
      headers: { expect: '100-continue' },
    });
    expectError(ok, 401);
  });
});
