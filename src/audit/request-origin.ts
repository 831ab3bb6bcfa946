import type { FastifyRequest } from 'fastify';
import { clientAddressOf } from '../client-address/client-address';
import { escapeForLog } from './escape';

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
  /**
   * The User-Agent header, for what a user is shown about their own sessions
   * and devices and for new-device notices: cut and escaped by userAgentOf.
   * Set by the @Origin() decorator only, so request lines stay as they are.
   */
  userAgent?: string | null;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  return {
    requestId: String(request.id),
    clientAddress: clientAddressOf(request),
    route: request.routeOptions?.url ?? null,
  };
}

/** The most a stored or shown User-Agent keeps, in characters after escaping. */
export const USER_AGENT_MAX_LENGTH = 256;

/**
 * The User-Agent header as sent, with control characters (CR, LF, C1, the
 * Unicode line separators) shown as \uXXXX escapes and cut to 256
 * characters: it is client-chosen text that ends up in a session list, a
 * terminal table and a webhook. The cut never splits an escape.
 */
export function userAgentOf(request: FastifyRequest): string | null {
  const header = request.headers['user-agent'];
  if (typeof header !== 'string' || header.length === 0) return null;
  let shown = '';
  for (const character of header) {
    const next = escapeForLog(character);
    if (shown.length + next.length > USER_AGENT_MAX_LENGTH) break;
    shown += next;
  }
  return shown;
}
