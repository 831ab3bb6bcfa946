import type { FastifyRequest } from 'fastify';
import { clientAddressOf } from '../client-address/client-address';

/**
 * Where a request came from, as security events and request lines record
 * it. Passed explicitly from the controller (the @Origin() parameter) down
 * to whatever records an event, rather than kept in an AsyncLocalStorage:
 * on Node 20 an active AsyncLocalStorage makes every promise of every
 * request pay for async hooks, for the few requests that record anything
 * (figures: docs/performance.md, "What the profiles changed").
 */
export interface RequestOrigin {
  requestId: string;
  /** The address the allowlist and the rate limiter used; null when unknown. */
  clientAddress: string | null;
  /** The route pattern, never the URL (a query string could carry anything). */
  route: string | null;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  return {
    requestId: String(request.id),
    clientAddress: clientAddressOf(request),
    route: request.routeOptions?.url ?? null,
  };
}
