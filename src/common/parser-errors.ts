import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './error-response';
import { computeSecurityHeaders } from './security-headers';

/**
 * Answers for the requests Node's HTTP server refuses before Fastify sees
 * them: headers over 16 KiB, both Content-Length and Transfer-Encoding, a
 * duplicate Content-Length, a malformed request line (Fastify's
 * clientErrorHandler), and an Expect other than 100-continue (Node's own
 * 417). By default these leave as a bare body, or none, without the security
 * headers or a request id; the contract fuzz (test/contract-fuzz.e2e-spec.ts)
 * found both. No hook runs for them, so no log line carries the request id:
 * it is there for the error shape, and a flood of these does not flood the log.
 */
/** How long a refused connection is kept to drain what the client still sends. */
const LINGER_MS = 2_000;

export class ParserErrors {
  private readonly security = computeSecurityHeaders();

  private readonly answered = new WeakSet<Socket>();

  /**
   * For FastifyAdapter's clientErrorHandler. The answer ends the connection
   * gracefully (as Node's documentation does) rather than destroying it: a
   * socket destroyed with unread bytes sends a TCP reset, and the client loses
   * the answer (seen with `Expect: 100-continue`, where the client sends its
   * body after the server's 100). What still arrives is read and dropped for
   * LINGER_MS, then the socket is destroyed whatever the client does.
   */
  readonly onClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has no one to answer; an answered one is only lingering.
    if (error.code === 'ECONNRESET' || socket.destroyed || this.answered.has(socket)) return;
    if (!socket.writable) {
      socket.destroy(error);
      return;
    }
    this.answered.add(socket);
    const [statusCode, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request headers are too large (limit 16 KiB)']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request was not received in time']
          : [400, 'Malformed HTTP request'];
    const { headers, json, reason } = this.response(statusCode, message);
    // An answer to HEAD has no body (a client would read it as the next response); the
    // request line is usually in the packet the parser failed on.
    const head = (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    const lines = Object.entries({ ...headers, connection: 'close' })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${statusCode} ${reason}\r\n${lines}\r\n${head ? '' : json}`);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };

  /**
   * For Fastify's frameworkErrors: a URL the router cannot decode (400) or a
   * path parameter over its limit (414, e.g. a huge passkey id) is answered
   * by the router before any hook runs, bare by default (the contract fuzz
   * found the 414). Same shape and headers as every other error.
   */
  readonly onFrameworkError = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
    const [statusCode, message] =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? [414, 'A path parameter is too long'] : [400, 'Malformed URL'];
    const { headers, json } = this.response(statusCode, message);
    void reply.status(statusCode).headers(headers).send(json);
  };

  /** Node answers an unknown Expect with a bare 417 unless the server has a checkExpectation listener. */
  listenForExpectations(server: Server): void {
    server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
      const { headers, json } = this.response(417, 'Only "Expect: 100-continue" is supported');
      response.writeHead(417, { ...headers, connection: 'close' }).end(json);
    });
  }

  private response(statusCode: number, message: string) {
    const reason = STATUS_CODES[statusCode] ?? 'Error';
    const requestId = randomUUID();
    const body: ErrorBody = { statusCode, error: reason, message, requestId };
    const json = JSON.stringify(body);
    const headers: Record<string, string> = {
      ...this.security,
      'cache-control': 'no-store',
      'x-request-id': requestId,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(json)),
    };
    return { headers, json, reason };
  }
}
