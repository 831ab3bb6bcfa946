import { ForbiddenException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { originOf } from '../audit/request-origin';
import type { SecurityEvents } from '../audit/security-events.service';
import { clientIpOf } from '../client-address/client-address';
import type { IpRangeList } from '../client-address/ip-range-list';

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
 * guard.
 */
export function refusal(request: FastifyRequest, events: SecurityEvents): ForbiddenException {
  events.record('net.ip.refused', originOf(request));
  return new ForbiddenException('Requests from this address are not allowed');
}
