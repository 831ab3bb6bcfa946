import type { FastifyInstance } from 'fastify';
import type { IpRangeList } from './ip-range-list';
import { resolveClientAddress } from './resolve-client-address';

const CLIENT_ADDRESS = 'clientAddress';

/**
 * The one place that decides who the client is. Resolved once per request,
 * before any guard runs, and read by the allowlist, the rate limiter and the
 * logs alike, so no two of them can disagree about the address.
 */
export function registerClientAddress(fastify: FastifyInstance, trustedProxies: IpRangeList): void {
  fastify.decorateRequest(CLIENT_ADDRESS, null);
  fastify.addHook('onRequest', async (request) => {
    (request as unknown as Record<string, unknown>)[CLIENT_ADDRESS] = resolveClientAddress(
      request.raw.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      trustedProxies,
    );
  });
}

/** The resolved client address, or null when it is unknown (never trusted). */
export function clientAddressOf(request: object): string | null {
  const value = (request as Record<string, unknown>)[CLIENT_ADDRESS];
  return typeof value === 'string' ? value : null;
}
