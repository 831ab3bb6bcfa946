import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseSchema } from './error-response.schema';

/**
 * The two bearer schemes. They are different tokens for different routes
 * (JwtAuthGuard accepts exactly one kind per route), so the document shows
 * them as two schemes rather than one "bearer". The route-access decorators
 * (src/access) apply them together with the guard metadata.
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
