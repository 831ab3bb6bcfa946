import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { clientAddressOf } from '../client-address/client-address';
import type { AppConfig } from '../config/app-config';
import { fastifyRequestOf } from './request-context';

/** LOG_LEVEL to pino: Nest's "verbose" is pino's "trace". */
export function pinoLevel(level: AppConfig['logLevel']): Level {
  return level === 'verbose' ? 'trace' : level;
}

/**
 * Second net behind the serializers, which already drop headers and bodies:
 * whatever ends up logged under these keys is censored.
 */
export const REDACTED_PATHS = [
  'req.headers',
  'req.body',
  'res.headers',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'authorization',
  'password',
  'currentPassword',
  'newPassword',
  'recoveryCode',
  'recoveryCodes',
  'preAuthToken',
  'accessToken',
  'refreshToken',
  'token',
  'secret',
  'otpauthUrl',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.recoveryCode',
  '*.recoveryCodes',
  '*.preAuthToken',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.secret',
  '*.otpauthUrl',
];

/**
 * The application's one pino logger: JSON lines, ISO UTC time, level names.
 * `destination` is the test seam (a stream the tests read); stdout otherwise.
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  return pino(
    {
      level: pinoLevel(config.logLevel),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

type RawRequest = IncomingMessage & { id?: string | number };

/** Fields of every request line that come from the Fastify request (after routing and client-address resolution). */
function requestProps(req: RawRequest): Record<string, unknown> {
  const request = fastifyRequestOf(req);
  if (!request) return {};
  return { clientAddress: clientAddressOf(request), route: request.routeOptions?.url ?? null };
}

/**
 * nestjs-pino's parameters: pino-http writes one line per request when the
 * response is done, bound to Fastify's request id (the X-Request-Id header and
 * the requestId of error bodies), with the client address the guards use and
 * the route pattern (never the URL: a query string could carry anything).
 * Headers and bodies are never serialised.
 */
export function loggerParams(logger: Logger): Params {
  const http: Params<RawRequest, ServerResponse>['pinoHttp'] = {
    logger,
    // @fastify/middie copies Fastify's request.id onto the raw request.
    genReqId: (req) => req.id ?? randomUUID(),
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // Logs made during the request carry the request id only, not the request.
    quietReqLogger: true,
    quietResLogger: true,
    customProps: (req) => requestProps(req),
    serializers: {
      req: (req: { id?: unknown; method?: unknown }) => ({ id: req.id, method: req.method }),
      res: (res: { statusCode?: unknown }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, value) => ({
      method: req.method,
      status: res.statusCode,
      durationMs: (value as { durationMs?: number }).durationMs,
    }),
    customErrorObject: (req, res, error, value) => ({
      method: req.method,
      status: res.statusCode,
      durationMs: (value as { durationMs?: number }).durationMs,
      err: error,
    }),
  };
  return {
    pinoHttp: http as Params['pinoHttp'],
    renameContext: 'context',
    // nestjs-pino's default route ("{/*splat}") never matches on Nest 12's
    // Fastify adapter: no request would be logged. "*path" is every request.
    // Request lines are info: below that level pino-http would still build a
    // child logger per request for nothing (measured: a third of /health's
    // throughput), so it is not mounted at all.
    forRoutes: logger.isLevelEnabled('info') ? [{ path: '*path', method: RequestMethod.ALL }] : [],
  };
}

/**
 * nestjs-pino keeps one pino-http instance per process (its "root"), built
 * from the parameters of the first application. A second application in the
 * same process (tests, a restart in place) would log through the first one's
 * logger; forgetting it first gives each application its own. nestjs-pino
 * exports this reset for tests only, from a module its package.json does not
 * expose: resolved by path, and skipped if it ever moves.
 */
export function forgetPreviousPinoRoot(): void {
  try {
    const path = join(dirname(require.resolve('nestjs-pino')), 'PinoLogger.js');
    const internal = require(path) as { __resetOutOfContextForTests?: () => void };
    internal.__resetOutOfContextForTests?.();
  } catch {
    // A newer nestjs-pino without the reset: one application per process still works.
  }
}
