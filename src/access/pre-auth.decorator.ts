import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors, ApiRouteErrors, PRE_AUTH_SCHEME } from '../openapi/api-docs.decorators';
import { ROUTE_ACCESS, type RouteAccess } from './route-access';

/**
 * The route takes a pre-auth token (password done, second factor pending)
 * instead of an access token, and documents exactly that. Only the
 * second-step routes carry it.
 */
export const PreAuth = () =>
  applyDecorators(
    SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'pre-auth'),
    ApiBearerAuth(PRE_AUTH_SCHEME),
    ApiErrors({ 401: 'Missing, invalid or expired pre-auth token (an access token is refused too)' }),
    ApiRouteErrors(),
  );
