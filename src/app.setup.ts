import { ValidationPipe } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { registerRequestLog } from './audit/request-log';
import { AUDIT_LOGGER, SecurityEvents } from './audit/security-events.service';
import { registerClientAddress } from './client-address/client-address';
import { HttpErrorFilter } from './common/http-error.filter';
import { computeSecurityHeaders } from './common/security-headers';
import type { AppConfig } from './config/app-config';
import { registerIpAllowlistHook } from './ip-allowlist/ip-allowlist.hook';
import { setupOpenApi } from './openapi/openapi.setup';
import { registerWebClient } from './web-client/web-client';

/**
 * Everything that shapes a request around the controllers: used by main.ts
 * and by every e2e test, so the tests exercise what production runs.
 */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();

  registerClientAddress(fastify, config.network.trustedProxies);
  registerRequestLog(fastify, app.get<Logger>(AUDIT_LOGGER));

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
  setupOpenApi(app, config);
  // The reference web client at /app/ (WEB_CLIENT_ENABLED), likewise behind the allowlist hook.
  registerWebClient(fastify, config);

  // Bodies are JSON only. Fastify also parses text/plain by default, which
  // would hand a bare string to the validation pipe.
  fastify.removeContentTypeParser('text/plain');

  app.useGlobalPipes(
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
