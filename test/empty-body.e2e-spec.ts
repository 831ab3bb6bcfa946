import * as tls from 'node:tls';
import { expectError } from './support/expect-error';
import { enrolledUser, login, register } from './support/flows';
import type { Response } from './support/https-client';
import { useTestApp, type TestApp } from './support/test-app';

/**
 * Clients that send `Content-Type: application/json` on every request (curl
 * with -H, generated clients) must be able to call the routes that take no
 * body; the routes that take one must still refuse a missing body. Three
 * ways a request says "no body": Content-Length: 0, a chunked body with no
 * chunk, and neither header (what `curl -X POST` without -d sends).
 */

type EmptyBody = 'content-length: 0' | 'chunked, no chunk' | 'no length header';
const EMPTY_BODIES: EmptyBody[] = ['content-length: 0', 'chunked, no chunk', 'no length header'];

/** One request written by hand over TLS (verified against the dev CA), so the framing is exactly the one asked for. */
function send(
  t: TestApp,
  path: string,
  framing: EmptyBody | 'body',
  options: { token?: string; contentType?: string; body?: string } = {},
): Promise<Response> {
  const headers = [
    `POST ${path} HTTP/1.1`,
    'Host: localhost',
    `Content-Type: ${options.contentType ?? 'application/json'}`,
    'Connection: close',
  ];
  if (options.token) headers.push(`Authorization: Bearer ${options.token}`);
  if (framing === 'content-length: 0') headers.push('Content-Length: 0');
  if (framing === 'chunked, no chunk') headers.push('Transfer-Encoding: chunked');
  if (framing === 'body') headers.push(`Content-Length: ${Buffer.byteLength(options.body ?? '')}`);
  const body = framing === 'chunked, no chunk' ? '0\r\n\r\n' : framing === 'body' ? (options.body ?? '') : '';
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: t.port, servername: 'localhost', ca: t.ca }, () => {
      // write, not end: a half-closed socket may be closed by the server before it answers.
      // Connection: close makes the server end it after the response.
      socket.write(`${headers.join('\r\n')}\r\n\r\n${body}`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(parseResponse(Buffer.concat(chunks).toString('utf8'))));
  });
}

function parseResponse(raw: string): Response {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = rest.join('\r\n\r\n');
  if (headers['transfer-encoding'] === 'chunked') text = dechunk(text);
  return { status: Number(statusLine.split(' ')[1]), headers, body: text ? JSON.parse(text) : undefined, text };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, end), 16);
    if (!size) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}

describe('an empty body with Content-Type: application/json', () => {
  const app = useTestApp();

  describe.each(EMPTY_BODIES)('sent as %s', (framing) => {
    it('POST /auth/logout ends the session (204), and its token stops working', async () => {
      const user = await enrolledUser(app.client);
      expect((await send(app.t, '/auth/logout', framing, { token: user.accessToken })).status).toBe(204);
      expectError(await app.client.get('/auth/me', { token: user.accessToken }), 401);
    });

    it('POST /auth/logout-all ends every session (204), with a charset parameter too', async () => {
      const user = await enrolledUser(app.client);
      const res = await send(app.t, '/auth/logout-all', framing, {
        token: user.accessToken,
        contentType: 'application/json; charset=utf-8',
      });
      expect(res.status).toBe(204);
      expectError(await app.client.get('/auth/me', { token: user.accessToken }), 401);
    });

    it('a route with a body still refuses it: 400 from validation, and nothing is created', async () => {
      for (const path of ['/auth/register', '/auth/login', '/auth/refresh']) {
        const res = await send(app.t, path, framing);
        expectError(res, 400);
        // Validation's answer, not the parser's: the empty body reached the route as "no body".
        expect(res.body.message).not.toBe('Request body is not valid JSON');
      }
      const { username, password, enrollmentTicket } = await register(app.client);
      const preAuthToken = await login(app.client, username, password);
      // enable without a code: refused, and the pre-auth token still enrolls afterwards.
      expectError(await send(app.t, '/auth/2fa/enable', framing, { token: preAuthToken }), 400);
      const setup = await app.client.post('/auth/2fa/setup', { token: preAuthToken, body: { enrollmentTicket } });
      expect(setup.status).toBe(200);
    });

    it('still needs the access token: without one, 401', async () => {
      expectError(await send(app.t, '/auth/logout', framing), 401);
    });
  });

  it('without a ticket, setup is refused (403) rather than enrolling: an empty body is no ticket', async () => {
    const { username, password } = await register(app.client);
    const preAuthToken = await login(app.client, username, password);
    expectError(await send(app.t, '/auth/2fa/setup', 'no length header', { token: preAuthToken }), 403);
  });

  it.each([
    ['whitespace', ' '],
    ['a newline', '\n'],
    ['truncated JSON', '{'],
  ])('a body that is not empty but %s is still malformed JSON: 400 on a bodiless route', async (_name, body) => {
    const user = await enrolledUser(app.client);
    const res = await send(app.t, '/auth/logout', 'body', { token: user.accessToken, body });
    expectError(res, 400, 'Request body is not valid JSON');
    // Refused before the handler: the session is still alive.
    expect((await app.client.get('/auth/me', { token: user.accessToken })).status).toBe(200);
  });

  it('the parser still refuses __proto__ on a bodiless route (400), and the session lives on', async () => {
    const user = await enrolledUser(app.client);
    const res = await send(app.t, '/auth/logout', 'body', {
      token: user.accessToken,
      body: '{"__proto__":{"polluted":"yes"}}',
    });
    expectError(res, 400, 'Request body is not valid JSON');
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await app.client.get('/auth/me', { token: user.accessToken })).status).toBe(200);
  });
});
