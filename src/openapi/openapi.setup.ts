import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config';
import { ACCESS_TOKEN_SCHEME, PRE_AUTH_SCHEME } from './api-docs.decorators';
import { registerDocsUi } from './docs-ui';
import { ErrorResponseSchema } from './error-response.schema';

export const DOCS_PATH = '/docs';
export const DOCS_JSON_PATH = '/docs-json';

/**
 * Swagger UI at GET /docs and the OpenAPI document at GET /docs-json,
 * outside production only: in production nothing is registered, so both are
 * the 404 of any unknown URL. These are plain Fastify routes, not Nest ones,
 * so Nest's guards (allowlist guard, rate limits, tokens) do not run for
 * them; the global onRequest allowlist hook does, and refuses outside
 * addresses as it does for every URL.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  if (config.isProduction) return;

  const options = new DocumentBuilder()
    .setTitle('nest-2fa-api')
    .setDescription(
      'Two-step login: POST /auth/login with a password returns a pre-auth token; /auth/2fa/setup, ' +
        '/auth/2fa/enable and /auth/2fa/verify take it (scheme "pre-auth") and return an access token ' +
        '(scheme "access-token") and a refresh token. Each route accepts exactly one of the two.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Access token from /auth/2fa/enable, /auth/2fa/verify or /auth/refresh',
      },
      ACCESS_TOKEN_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Short-lived pre-auth token from /auth/login, for /auth/2fa/setup, enable and verify only',
      },
      PRE_AUTH_SCHEME,
    )
    // Any route may answer these, whatever it does: the allowlist hook, the
    // global rate limiter, and the database or Redis being down.
    .addGlobalResponse(
      { status: 403, description: 'The client address is outside IP_ALLOWLIST', type: ErrorResponseSchema },
      { status: 429, description: 'Rate limited: Retry-After says when to retry', type: ErrorResponseSchema },
      {
        status: 500,
        description: 'Unexpected error (details in the server log, under requestId)',
        type: ErrorResponseSchema,
      },
      {
        status: 503,
        description: 'A dependency (database, Redis) is unavailable: retry shortly',
        type: ErrorResponseSchema,
      },
    )
    .build();

  // The document is built on its first request, so boot costs nothing
  // extra. Only the JSON is served from here: the UI is ours (docs-ui.ts).
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, options), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
  registerDocsUi(app.getHttpAdapter().getInstance(), DOCS_PATH, DOCS_JSON_PATH);
}
