import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from '../openapi/api-docs.decorators';
import { Authenticated } from './authenticated.decorator';

export const REQUIRE_AUTH = 'access:require-auth';

export interface RequireAuthOptions {
  /** Seconds since the second factor was last proven in the session (the token's auth_time). */
  maxAge: number;
}

/**
 * An access token, and a recent one: its session proved a second factor
 * within maxAge seconds. Older tokens get 401 with the RFC 9470 challenge
 * (`insufficient_user_authentication`, `max_age`), so a client knows to
 * have the user authenticate again rather than to refresh.
 */
export const RequireAuth = (options: RequireAuthOptions) =>
  applyDecorators(
    Authenticated(),
    SetMetadata<string, RequireAuthOptions>(REQUIRE_AUTH, options),
    ApiErrors({
      401:
        `Also: the second factor was proven more than ${options.maxAge} s ago; the answer carries ` +
        `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=${options.maxAge}`,
    }),
  );
