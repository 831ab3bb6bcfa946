import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/load-config';
import { resolveRuntimeSecrets } from './config/runtime-secrets';
import { loadServerTls } from './tls/server-tls';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function logLevels(level: AppConfig['logLevel']): LogLevel[] {
  const index = LEVELS.indexOf(level === 'info' ? 'log' : level);
  return LEVELS.slice(0, index + 1);
}

/**
 * Builds the whole application from an environment: validated config,
 * secrets, TLS, the Nest container on Fastify, then configureApp. main.ts and
 * the e2e tests both start here.
 */
export async function createApp(
  source: Record<string, string | undefined>,
): Promise<{ app: NestFastifyApplication; config: AppConfig }> {
  const config = loadConfig(source);
  Logger.overrideLogger(logLevels(config.logLevel));
  const log = (message: string) => Logger.log(message, 'Bootstrap');
  const secrets = await resolveRuntimeSecrets(config, log);
  const https = await loadServerTls(config, log);
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
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, secrets), adapter, {
    logger: logLevels(config.logLevel),
    abortOnError: false,
    // Nest's parsers would add application/x-www-form-urlencoded, which a page
    // on any site can post without a CORS preflight. Fastify's own JSON parser
    // stays (same body limit, same __proto__ refusal); configureApp drops text/plain.
    bodyParser: false,
  });
  await configureApp(app, config);
  return { app, config };
}
