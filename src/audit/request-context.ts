import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SecurityEvents } from './security-events.service';

/** What a security event needs to know about the request it happens in. */
export interface RequestContext {
  request: FastifyRequest;
  /** For code outside Nest's container (the allowlist's onRequest hook). */
  events: SecurityEvents;
}

const storage = new AsyncLocalStorage<RequestContext>();
const RESOURCE = Symbol('requestContextResource');
/** The Fastify request, reachable from the raw one (all pino-http sees). */
export const FASTIFY_REQUEST = Symbol('fastifyRequest');

/**
 * Opens a context per request, so services can record security events
 * without the request being passed down to them. Registered right after
 * NestFactory.create: after nestjs-pino's middleware (middie) and before the
 * client-address and allowlist hooks, so even a refusal in onRequest has it.
 *
 * Fastify reads the body in stream callbacks, which run outside the context
 * opened here (and outside nestjs-pino's): preValidation re-enters both, as
 * @fastify/request-context does, before any guard or handler runs.
 */
export function registerRequestContext(fastify: FastifyInstance, events: SecurityEvents): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    (request.raw as unknown as Record<symbol, unknown>)[FASTIFY_REQUEST] = request;
    storage.run({ request, events }, () => {
      (request as unknown as Record<symbol, unknown>)[RESOURCE] = new AsyncResource('request-context');
      done();
    });
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const resource = (request as unknown as Record<symbol, AsyncResource | undefined>)[RESOURCE];
    if (resource) resource.runInAsyncScope(done);
    else done();
  });
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The Fastify request behind a raw IncomingMessage, once registerRequestContext has seen it. */
export function fastifyRequestOf(raw: object): FastifyRequest | undefined {
  return (raw as Record<symbol, FastifyRequest | undefined>)[FASTIFY_REQUEST];
}
