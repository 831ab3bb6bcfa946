import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestLogger } from './logging';
import { originOf } from './request-origin';

/**
 * One JSON line per request, written when the response is done: request id
 * (the X-Request-Id header and the requestId of error bodies), method,
 * status, duration, the client address the guards used and the route
 * pattern (never the URL: a query string could carry anything). Headers and
 * bodies are never logged. An onResponse hook sees every response, a 403
 * from the allowlist's request hook and a 404 included.
 *
 * Request lines are info: below that level nothing is registered, so a
 * quieter log costs the request path nothing.
 */
export function registerRequestLog(fastify: FastifyInstance, { logger, flush }: RequestLogger): void {
  if (!logger.isLevelEnabled('info')) return;
  // A buffered destination is written out when the server closes: on SIGTERM
  // Nest closes the app and then re-raises the signal, and a process killed
  // by a signal runs no exit handler.
  fastify.addHook('onClose', (_instance, done) => {
    flush();
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const line = requestLine(request, reply);
    if (reply.statusCode >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request completed');
    done();
  });
  // The client went away before its request was complete (a body cut short):
  // no response, so no onResponse. One that leaves after that gets the usual
  // line, with the status the server decided.
  fastify.addHook('onRequestAbort', (request, done) => {
    logger.info({ ...originOf(request), method: request.method }, 'request aborted');
    done();
  });
}

function requestLine(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  return {
    ...originOf(request),
    method: request.method,
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
  };
}
