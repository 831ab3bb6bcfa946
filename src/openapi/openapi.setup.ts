import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config';
import { ACCESS_TOKEN_SCHEME, PRE_AUTH_SCHEME } from './api-docs.decorators';
import { registerDocsUi } from './docs-ui';

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
/**
 * What a feature adds to the document beyond its routes (the webhooks the
 * API sends, say): schemas no route names, and a last pass over the
 * document. Passed in by the application root, so this folder imports no
 * feature.
 */
export interface OpenApiContribution {
  // Swagger's own type for extraModels.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  extraModels: Function[];
  extend(document: OpenAPIObject): OpenAPIObject;
}

export function setupOpenApi(
  app: NestFastifyApplication,
  config: AppConfig,
  contributions: readonly OpenApiContribution[] = [],
): void {
  if (config.isProduction) return;

  const options = new DocumentBuilder()
    .setTitle('nest-2fa-api')
    .setDescription(
      'Two-step login: POST /auth/login with a password returns a pre-auth token; /auth/2fa/setup, ' +
        '/auth/2fa/enable and /auth/2fa/verify take it (scheme "pre-auth") and return an access token ' +
        '(scheme "access-token") and a refresh token. Each route accepts exactly one of the two.',
    )
    .setVersion('1')
    .addTag('auth', 'Registration, the password step of login, the account')
    .addTag('two-factor login', 'The second step of login: enrolment or verification, with a pre-auth token')
    .addTag('two-factor settings', 'Managing the second factor, with an access token and a current code')
    .addTag('step-up', 'Authenticate again for a route that needs a recent or stronger authentication (RFC 9470)')
    .addTag('sessions', 'Refresh and logout')
    .addTag('keys', 'Public keys for services that verify access tokens')
    .addTag('health', 'Liveness and readiness for load balancers and orchestrators')
    .addTag(
      'webhooks',
      'What the API POSTs to SECURITY_WEBHOOK_URL (under x-webhooks: OpenAPI 3.0 has no webhooks section)',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Access token from /auth/2fa/enable, /auth/2fa/verify or /auth/refresh. A JWS following RFC8725: ' +
          'the algorithm is pinned (ES256, or HS256 when so configured; never "none"), typ is at+jwt, ' +
          'kid names the key, iss, aud and exp are required and checked.',
      },
      ACCESS_TOKEN_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Short-lived pre-auth token from /auth/login, for /auth/2fa/setup, enable and verify only. A JWS ' +
          'following RFC8725: HS256 with a key of its own, typ preauth+jwt and an audience of its own, so it ' +
          'never passes as an access token; iss, aud and exp are required and checked.',
      },
      PRE_AUTH_SCHEME,
    )
    .build();

  // The document is built on its first request, so boot costs nothing
  // extra. Only the JSON is served from here: the UI is ours (docs-ui.ts).
  const extraModels = contributions.flatMap((contribution) => contribution.extraModels);
  const document = () =>
    contributions.reduce(
      (built, contribution) => contribution.extend(built),
      withDeploymentLimits(SwaggerModule.createDocument(app, options, { extraModels }), config),
    );
  SwaggerModule.setup(DOCS_PATH, app, document, {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
  registerDocsUi(app.getHttpAdapter().getInstance(), DOCS_PATH, DOCS_JSON_PATH);
}

/**
 * Limits that depend on the configuration, which a document built by the
 * running server can state exactly: the JWKS lists the current ES256 key and
 * one per JWT_PREVIOUS_PUBLIC_KEY_FILES entry (fewer if two are the same
 * key), and none with HS256, whose key is secret.
 */
function withDeploymentLimits(document: OpenAPIObject, config: AppConfig): OpenAPIObject {
  const jwks = document.components?.schemas?.JwksDto as SchemaObject | undefined;
  const keys = jwks?.properties?.keys as SchemaObject | undefined;
  if (keys) keys.maxItems = config.jwt.algorithm === 'HS256' ? 0 : 1 + config.jwt.previousPublicKeyFiles.length;
  return document;
}
