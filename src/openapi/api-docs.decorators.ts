import { PATH_METADATA } from '@nestjs/common/constants';
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

/**
 * The longest wait a 429 can announce: LOCKOUT_SECONDS may be up to ten
 * years (env.schema.ts), longer than any rate-limit window.
 */
const RETRY_AFTER_MAX_SECONDS = 10 * 365 * 24 * 3600;

type Decorator = MethodDecorator & ClassDecorator;

/**
 * Applies response decorators to a route, or, on a controller, to each of
 * its routes. @nestjs/swagger would let a route's response for a status
 * replace its controller's; on the routes themselves the descriptions of
 * one status add up (route first), so a route's own 401 or 403 does not hide
 * the token or allowlist refusal its controller documents.
 */
function onEachRoute(decorators: MethodDecorator[]): Decorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (key !== undefined && descriptor !== undefined) {
      for (const decorate of decorators) decorate(target, key, descriptor);
      return descriptor;
    }
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const route = Object.getOwnPropertyDescriptor(prototype, name);
      if (typeof route?.value !== 'function' || !Reflect.hasMetadata(PATH_METADATA, route.value)) continue;
      for (const decorate of decorators) decorate(prototype, name, route);
    }
    return undefined;
  }) as Decorator;
}

/** Documents error statuses of a route or of every route of a controller, all with the one ErrorResponse schema. */
export function ApiErrors(errors: Partial<Record<number, string>>): Decorator {
  return onEachRoute(errorResponses(errors));
}

/**
 * What every route can answer, whatever it does: the allowlist, the global
 * rate limiter (a 429 always carries Retry-After), and the database or Redis
 * being down. Applied by the route-access decorators (@Public, @PreAuth,
 * @Authenticated), which every route carries.
 */
export function ApiRouteErrors(): Decorator {
  return onEachRoute([
    ...errorResponses({
      403: 'The client address is outside IP_ALLOWLIST',
      500: 'Unexpected error (details in the server log, under requestId)',
      503: 'A dependency (database, Redis) is unavailable: retry shortly',
    }),
    ApiResponse({
      status: 429,
      description:
        'Rate limited per client address (registration, login, refresh and /auth/2fa/* have stricter limits), ' +
        'or, where a password, code or enrollment ticket is checked, the account is locked out after repeated ' +
        'failures. Retry after Retry-After seconds; no header tells how many attempts remain.',
      type: ErrorResponseSchema,
      headers: {
        'Retry-After': {
          description: 'Seconds to wait before retrying (an integer, never a date)',
          schema: { type: 'integer', format: 'int32', minimum: 1, maximum: RETRY_AFTER_MAX_SECONDS },
        },
      },
    }),
  ]);
}

/**
 * Errors of a route that reads a JSON body, raised before the handler
 * runs. A route's own ApiErrors for the same status add to the description.
 */
export function ApiJsonBodyErrors(): Decorator {
  return ApiErrors({
    400: 'The body is not valid JSON or fails validation (unknown fields are refused)',
    413: 'The body is larger than the limit (16 KiB)',
    415: 'The body is not application/json',
  });
}

/**
 * A POST route that reads no body still has one parsed if it is sent
 * (Fastify parses the body before any guard runs), so a body it cannot
 * parse gets these errors before the token is even looked at.
 */
export function ApiUnreadBodyErrors(): Decorator {
  return ApiErrors({
    400: 'A body was sent and is not valid JSON (this route reads none: send no body)',
    413: 'A body was sent and is larger than the limit (16 KiB)',
    415: 'A body was sent and is not application/json',
  });
}

function errorResponses(errors: Partial<Record<number, string>>): MethodDecorator[] {
  return Object.entries(errors).map(([status, description]) =>
    ApiResponse({ status: Number(status), description, type: ErrorResponseSchema }),
  );
}
