import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { originOf } from './request-origin';

/**
 * Where the request came from (its id, client address and route; not the HTTP
 * Origin header), for the security events the service it is passed to records.
 */
export const Origin = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  originOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
