import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/** Helmet tuned for a JSON API: nothing may be loaded, framed or sniffed. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  hsts: { maxAge: 31_536_000, includeSubDomains: true, preload: false },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/**
 * The headers helmet sets with these options, computed once at startup by
 * running helmet's own middleware against a stub response. With fixed
 * options (no per-request nonce) helmet reads nothing from the request, so
 * every response gets the same set; computing it per request (what
 * @fastify/helmet does: it calls helmet(options) on every request, rebuilding
 * each middleware and re-parsing the CSP) cost a measurable share of every
 * request (docs/performance.md). helmet stays the source of truth: a spec
 * compares this set with a real response helmet decorated.
 */
export function computeSecurityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
      return response;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let completed = false;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    completed = true;
  });
  // helmet's middleware is synchronous; if that ever changes, fail at startup rather than send no headers.
  if (!completed) throw new Error('helmet did not complete synchronously: security headers cannot be precomputed');
  return headers;
}
