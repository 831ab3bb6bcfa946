import type { FastifyInstance } from 'fastify';
import type { SecurityEvents } from '../audit/security-events.service';
import type { IpRangeList } from '../client-address/ip-range-list';
import { toErrorResponse } from '../common/error-response';
import { isAllowed, refusal } from './ip-access';

/**
 * Refuses addresses outside IP_ALLOWLIST as soon as the request arrives,
 * before the body is read or parsed and whether or not a route matches: an
 * outside client learns nothing (no 404 that maps the routes, no 400 or 413
 * from the parser) and costs no more than a 403.
 */
export function registerIpAllowlistHook(
  fastify: FastifyInstance,
  allowlist: IpRangeList,
  events: SecurityEvents,
): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (isAllowed(request, [allowlist])) return;
    const response = toErrorResponse(refusal(request, events), String(request.id));
    return reply.code(response.body.statusCode).send(response.body);
  });
}
