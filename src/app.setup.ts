import { ValidationPipe } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { RequestLogger } from './audit/logging';
import { registerRequestLog } from './audit/request-log';
import { AUDIT_LOGGER, SecurityEvents } from './audit/security-events.service';
import { registerClientAddress } from './client-address/client-address';
import { BodyDepthPipe } from './common/body-depth.pipe';
import { HttpErrorFilter } from './common/http-error.filter';
import { computeSecurityHeaders } from './common/security-headers';
import type { AppConfig } from './config/app-config';
import { registerIpAllowlistHook } from './ip-allowlist/ip-allowlist.hook';
import { setupOpenApi } from './openapi/openapi.setup';
import { registerWebClient } from './web-client/web-client';
import { SECURITY_WEBHOOK_OPENAPI } from './webhooks/security-webhook.openapi';

/**
 * Everything that shapes a request around the controllers: used by main.ts
 * and by every e2e test, so the tests exercise what production runs.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
  requestLog: RequestLogger = { logger: app.get<Logger>(AUDIT_LOGGER), flush: () => undefined },
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();

  registerClientAddress(fastify, config.network.trustedProxies);
  registerRequestLog(fastify, requestLog);

  // Helmet's headers, computed once (see security-headers.ts), set in one call
  // from an onRequest hook, so errors (404, 413, 429) get them too. A
  // callback hook, not an async one: no promise per request.
  const securityHeaders = computeSecurityHeaders();
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.headers(securityHeaders);
    reply.header('X-Request-Id', request.id);
    // Responses carry tokens, secrets and personal data: no cache may keep them.
    reply.header('Cache-Control', 'no-store');
    done();
  });

  // After the headers above, so a refusal carries them too.
  registerIpAllowlistHook(fastify, config.network.allowlist, app.get(SecurityEvents));

  // Swagger UI and the OpenAPI document, outside production only; after the allowlist hook, which covers them.
  setupOpenApi(app, config, [SECURITY_WEBHOOK_OPENAPI]);
  // The reference web client at /app/ (WEB_CLIENT_ENABLED), likewise behind the allowlist hook.
  registerWebClient(fastify, config);

  // Bodies are JSON only. Fastify also parses text/plain by default, which
  // would hand a bare string to the validation pipe.
  fastify.removeContentTypeParser('text/plain');
  registerJsonParser(app);

  app.useGlobalPipes(
    // Before validation: class-transformer recurses into nested arrays.
    new BodyDepthPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
}

/**
 * Fastify's own JSON parser (same body limit, same __proto__ and constructor
 * refusal), except that an empty body is no body: Fastify answers it with
 * FST_ERR_CTP_EMPTY_JSON_BODY (400) before any route runs, so a client that
 * always sends `Content-Type: application/json` (curl -H, generated
 * clients) could not call a route that takes no body (logout). A route
 * with a DTO still refuses it: the validation pipe sees no body, as with no
 * Content-Type at all, and answers 400. Whitespace is not empty: it stays
 * invalid JSON. Registered through Nest, which then adds no JSON parser of
 * its own (an application created with Nest's body parsers on).
 */
function registerJsonParser(app: NestFastifyApplication): void {
  const parseJson = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', {}, (request, body, done) => {
    if (body.length === 0) done(null, undefined);
    else parseJson(request, body.toString('utf8'), done);
  });
}
