import { randomUUID } from 'node:crypto';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { createRequestLogger, createRootLogger, forgetPreviousPinoRoot } from './audit/logging';
import { restrictNewFilesToOwner } from './common/owner-only-files';
import { ParserErrors } from './common/parser-errors';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/load-config';
import { resolveRuntimeSecrets } from './config/runtime-secrets';
import { loadServerTls } from './tls/server-tls';

export interface CreateAppOptions {
  /** Where the JSON log lines go instead of stdout: the tests' seam for reading them. */
  logDestination?: DestinationStream;
  /**
   * Modules mounted next to the application's own, under the same global
   * guards, pipes and filters: the bench's no-op route (bench/api-main.js).
   * main.ts passes none.
   */
  extraModules?: Type[];
}

/**
 * Builds the whole application from an environment: validated config,
 * secrets, TLS, the Nest container on Fastify, then configureApp. main.ts and
 * the e2e tests both start here.
 */
export async function createApp(
  source: Record<string, string | undefined>,
  options: CreateAppOptions = {},
): Promise<{ app: NestFastifyApplication; config: AppConfig }> {
  restrictNewFilesToOwner();
  const config = loadConfig(source);
  // Every line, Nest's own included, is JSON through this one pino logger.
  // Before the container exists (secrets, TLS, the dev-CA hint) it is written to directly.
  const rootLogger = createRootLogger(config, options.logDestination);
  const bootstrapLog = rootLogger.child({ context: 'Bootstrap' });
  if (config.nodeEnvUnset) {
    // The first line, in words: an operator who forgot NODE_ENV learns it here, not from an incident.
    bootstrapLog.warn(
      'NODE_ENV is not set, so this is development mode: generated dev secrets and certificates, open registration, ' +
        'production checks relaxed. Set NODE_ENV=production for a deployment.',
    );
  }
  const log = (message: string) => bootstrapLog.info(message);
  const secrets = await resolveRuntimeSecrets(config, log);
  const https = await loadServerTls(config, log);
  const parserErrors = new ParserErrors();
  const adapter = new FastifyAdapter({
    https,
    bodyLimit: config.http.bodyLimitBytes,
    // The request id is ours: a client-supplied one could be forged to
    // confuse log correlation.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Proxies are handled by the client-address resolver, with its stricter rules.
    trustProxy: false,
    // Graceful shutdown: requests already on an open connection when close()
    // starts are served to the end, not answered by Fastify's own 503 (which
    // would bypass the error shape and the security headers).
    return503OnClosing: false,
    // Requests the HTTP parser refuses still get the error shape and the security headers.
    clientErrorHandler: parserErrors.onClientError,
    frameworkErrors: parserErrors.onFrameworkError,
  });
  forgetPreviousPinoRoot();
  const root = AppModule.register(config, secrets, rootLogger);
  const app = await NestFactory.create<NestFastifyApplication>(
    { ...root, imports: [...(root.imports ?? []), ...(options.extraModules ?? [])] },
    adapter,
    {
      // Held until useLogger below, then written through pino.
      bufferLogs: true,
      abortOnError: false,
      // Nest's parsers would add application/x-www-form-urlencoded, which a page
      // on any site can post without a CORS preflight. Fastify's own JSON parser
      // stays (same body limit, same __proto__ refusal); configureApp drops text/plain.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  parserErrors.listenForExpectations(app.getHttpServer());
  await configureApp(app, config, createRequestLogger(config, rootLogger, options.logDestination));
  return { app, config };
}
