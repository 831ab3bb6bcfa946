import type { FastifyInstance } from 'fastify';
import type * as ipaddr from 'ipaddr.js';
import type { IpRangeList } from './ip-range-list';
import { parseCanonicalIp } from './parse-ip';
import { resolveClientAddress } from './resolve-client-address';

const CLIENT_ADDRESS = 'clientAddress';
const CLIENT_IP = 'clientIp';

/**
 * The one place that decides who the client is. Resolved once per request,
 * before any guard runs, and read by the allowlist, the rate limiter and the
 * logs alike, so no two of them can disagree about the address.
 */
export function registerClientAddress(fastify: FastifyInstance, trustedProxies: IpRangeList): void {
  fastify.decorateRequest(CLIENT_ADDRESS, null);
  fastify.decorateRequest(CLIENT_IP, null);
  fastify.addHook('onRequest', async (request) => {
    const address = resolveClientAddress(
      request.raw.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      trustedProxies,
    );
    const fields = request as unknown as Record<string, unknown>;
    fields[CLIENT_ADDRESS] = address;
    // Parsed once here; the allowlist hook and guard compare this object.
    fields[CLIENT_IP] = address === null ? null : parseCanonicalIp(address);
  });
}

/** The resolved client address, parsed; null when it is unknown. */
export function clientIpOf(request: object): ipaddr.IPv4 | ipaddr.IPv6 | null {
  return ((request as Record<string, unknown>)[CLIENT_IP] as ipaddr.IPv4 | ipaddr.IPv6 | null | undefined) ?? null;
}

/** The resolved client address, or null when it is unknown (never trusted). */
export function clientAddressOf(request: object): string | null {
  const value = (request as Record<string, unknown>)[CLIENT_ADDRESS];
  return typeof value === 'string' ? value : null;
}
