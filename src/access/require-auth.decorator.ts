import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseSchema } from '../openapi/error-response.schema';
import { ACR_VALUES } from './acr';
import { AuthRequirement, type RequireAuthOptions } from './auth-requirement';
import { Authenticated } from './authenticated.decorator';

export type { RequireAuthOptions } from './auth-requirement';

export const REQUIRE_AUTH = 'access:require-auth';

/**
 * An access token, and a recent or strong enough one:
 * - `maxAge`: its session proved a factor (login or step-up) within maxAge
 *   seconds (the token's auth_time);
 * - `acr`: its authentication is at least this level ('phr' > 'mfa').
 * A token that falls short gets 401 with the RFC 9470 challenge
 * (`insufficient_user_authentication`, `acr_values`, `max_age`), so a client
 * knows to step up (POST /auth/step-up) rather than to refresh: a refresh
 * never makes a token fresher or stronger.
 *
 * The options are checked and compiled here, once: a route with neither
 * option fails at startup.
 */
export const RequireAuth = (options: RequireAuthOptions) => {
  const requirement = new AuthRequirement(options);
  const demands = [
    requirement.maxAge === undefined ? null : `a factor proven within ${requirement.maxAge} s`,
    requirement.acr === undefined ? null : `acr ${ACR_VALUES[requirement.acr]} or stronger`,
  ].filter((demand): demand is string => demand !== null);
  return applyDecorators(
    Authenticated(),
    SetMetadata<string, AuthRequirement>(REQUIRE_AUTH, requirement),
    ApiResponse({
      status: 401,
      description:
        `Also: this route needs ${demands.join(' and ')}. A token that falls short gets the RFC 9470 challenge ` +
        'in WWW-Authenticate; step up (POST /auth/step-up) and retry with the new token',
      type: ErrorResponseSchema,
      headers: {
        'WWW-Authenticate': {
          description:
            'Bearer error="insufficient_user_authentication", error_description="…"' +
            (requirement.acr === undefined ? '' : `, acr_values="${ACR_VALUES[requirement.acr]}"`) +
            (requirement.maxAge === undefined ? '' : `, max_age=${requirement.maxAge}`),
          schema: { type: 'string', maxLength: 256 },
        },
      },
    }),
  );
};
