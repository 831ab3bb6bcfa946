import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Helmet tuned for a JSON API: nothing may be loaded, framed or sniffed. */
export const HELMET_OPTIONS: HelmetOptions = {
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
 * The headers helmet sets with HELMET_OPTIONS, captured once from helmet
 * itself on a stub response (the same helmet @fastify/helmet calls per
 * request), for the responses that never reach a Fastify hook.
 */
export function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const stub = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  helmet(HELMET_OPTIONS)({} as IncomingMessage, stub as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}
