import { ForbiddenException, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientAddressOf, clientIpOf } from '../client-address/client-address';
import type { IpRangeList } from '../client-address/ip-range-list';
import { currentRequestContext } from '../audit/request-context';

const logger = new Logger('IpAllowlist');

/**
 * The one allowlist decision, shared by the early request hook and the
 * guard: the client address must be known and inside every list that
 * applies. An unknown address (a forged or malformed forwarded chain) is
 * refused, never treated as the address it imitates.
 */
export function isAllowed(request: FastifyRequest, lists: readonly IpRangeList[]): boolean {
  const ip = clientIpOf(request);
  return ip !== null && lists.every((list) => list.contains(ip));
}

/**
 * Records the refusal (a security event: address, route, request id) and
 * builds the 403. Called from the onRequest hook, before Nest, and from the
 * guard: both run inside the request context registerRequestContext opens.
 */
export function refusal(request: FastifyRequest): ForbiddenException {
  const context = currentRequestContext();
  if (context) context.events.record('net.ip.refused', {}, request);
  else
    logger.warn(
      `refused ${clientAddressOf(request) ?? 'unknown address'} for ${request.method} ${request.routeOptions.url ?? '(no route)'} (request ${request.id})`,
    );
  return new ForbiddenException('Requests from this address are not allowed');
}
