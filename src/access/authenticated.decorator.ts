import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ACCESS_TOKEN_SCHEME, ApiErrors, ApiRouteErrors } from '../openapi/api-docs.decorators';
import { ROUTE_ACCESS, type RouteAccess } from './route-access';

/**
 * The route needs an access token (a completed two-factor login), and the
 * document says so. The guard would demand one without this decorator too;
 * writing it keeps the guard and the OpenAPI security scheme in one place.
 */
export const Authenticated = () =>
  applyDecorators(
    SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'access-token'),
    ApiBearerAuth(ACCESS_TOKEN_SCHEME),
    ApiErrors({ 401: 'Missing, invalid, expired or revoked access token (a pre-auth token is refused too)' }),
    ApiRouteErrors(),
  );
