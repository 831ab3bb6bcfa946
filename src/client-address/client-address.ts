import type { Socket } from 'node:net';
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
  // A peer that is not a trusted proxy is the client, whatever its requests'
  // headers say: on a keep-alive connection from it, the answer is the same
  // for every request, so it is worked out once per connection.
  const untrustedPeers = new WeakMap<Socket, ResolvedAddress>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const socket = request.raw.socket;
    let resolved = untrustedPeers.get(socket);
    if (!resolved) {
      const address = resolveClientAddress(socket.remoteAddress, request.headers['x-forwarded-for'], trustedProxies);
      // Parsed once here; the allowlist hook and guard compare this object.
      resolved = { address, ip: address === null ? null : parseCanonicalIp(address) };
      const peer = socket.remoteAddress === undefined ? null : parseCanonicalIp(socket.remoteAddress);
      if (peer !== null && (trustedProxies.isEmpty || !trustedProxies.contains(peer)))
        untrustedPeers.set(socket, resolved);
    }
    const fields = request as unknown as Record<string, unknown>;
    fields[CLIENT_ADDRESS] = resolved.address;
    fields[CLIENT_IP] = resolved.ip;
    done();
  });
}

interface ResolvedAddress {
  address: string | null;
  ip: ipaddr.IPv4 | ipaddr.IPv6 | null;
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
