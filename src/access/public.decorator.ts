import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiRouteErrors } from '../openapi/api-docs.decorators';
import { ROUTE_ACCESS, type RouteAccess } from './route-access';

/**
 * Opts a route out of token checks, and so out of the document's security
 * requirements. Deny by default otherwise. Like the other route-access
 * decorators, it documents what every route can answer (allowlist, rate limit).
 */
export const Public = () => applyDecorators(SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'public'), ApiRouteErrors());
