import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { ErrorResponseSchema } from './error-response.schema';

/**
 * The two bearer schemes. They are different tokens for different routes
 * (JwtAuthGuard accepts exactly one kind per route), so the document shows
 * them as two schemes rather than one "bearer".
 */
export const ACCESS_TOKEN_SCHEME = 'access-token';
export const PRE_AUTH_SCHEME = 'pre-auth';

/** Documents error statuses of a route or controller, all with the one ErrorResponse schema. */
export function ApiErrors(errors: Partial<Record<number, string>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, type: ErrorResponseSchema }),
    ),
  );
}

/** For routes without @Public() or @PreAuth(): JwtAuthGuard wants an access token. */
export function ApiAccessToken(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(ACCESS_TOKEN_SCHEME),
    ApiErrors({ 401: 'Missing, invalid, expired or revoked access token (a pre-auth token is refused too)' }),
  );
}

/** For @PreAuth() routes: JwtAuthGuard wants the pre-auth token from /auth/login, and only that. */
export function ApiPreAuthToken(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(PRE_AUTH_SCHEME),
    ApiErrors({ 401: 'Missing, invalid or expired pre-auth token (an access token is refused too)' }),
  );
}

/**
 * Errors of any route that reads a JSON body, raised before the handler
 * runs. A route's own ApiErrors for the same status add to the description.
 */
export function ApiJsonBodyErrors(): MethodDecorator & ClassDecorator {
  return ApiErrors({
    400: 'The body is not valid JSON or fails validation (unknown fields are refused)',
    413: 'The body is larger than the limit',
    415: 'The body is not application/json',
  });
}
