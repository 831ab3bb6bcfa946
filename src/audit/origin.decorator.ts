import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { originOf, userAgentOf } from './request-origin';

/**
 * Where the request came from (its id, client address, route and User-Agent;
 * not the HTTP Origin header), for the security events the service it is passed to records.
 */
export const Origin = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return { ...originOf(request), userAgent: userAgentOf(request) };
});
