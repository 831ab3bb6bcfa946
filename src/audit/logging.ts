import { dirname, join } from 'node:path';
import type { Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { AppConfig } from '../config/app-config';

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
 * The application's one pino logger: ISO UTC time, level names, redaction.
 * LOG_FORMAT=json writes one JSON line per entry; pretty (the default outside
 * production, refused in it) renders the same entries for a terminal with
 * pino-pretty, synchronously like the JSON lines. A security event keeps
 * every field either way (pino-pretty prints them one per line, strings
 * JSON-quoted, so no value can forge a line); the audit file is JSON always.
 * `destination` is the test seam (a stream the tests read); stdout otherwise.
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const options = loggerOptions(config);
  if (config.logFormat === 'pretty') return pino(options, prettyStream(destination));
  return pino(options, destination ?? pino.destination({ fd: 1, sync: true }));
}

export interface RequestLogger {
  logger: Logger;
  /** Writes out what is buffered; a no-op for a synchronous logger. */
  flush(): void;
}

/**
 * Where request lines go. In production's JSON format on stdout: a logger of
 * their own with an asynchronous, buffered destination, so a request never
 * waits for a write(2) of its line (at LOG_LEVEL=info the synchronous write
 * was the largest cost left: docs/performance.md). Security events stay on
 * the root logger, synchronous: they are the record that must not be lost.
 * The buffer is written out when the server closes (SIGTERM included, see
 * registerRequestLog) and, by pino, on process exit; a crash loses at most
 * the lines of the last few milliseconds. Pretty output and a test
 * destination keep the root logger, so every line goes where the tests and a
 * terminal look.
 */
export function createRequestLogger(config: AppConfig, root: Logger, destination?: DestinationStream): RequestLogger {
  if (config.logFormat === 'pretty' || destination) return { logger: root, flush: () => undefined };
  const buffered = pino.destination({ fd: 1, sync: false, minLength: 4096 });
  // No redaction pass: a request line is built from a fixed set of fields
  // (request-log.ts), none of which can carry a secret.
  const { redact: _redact, ...options } = loggerOptions(config);
  return { logger: pino(options, buffered), flush: () => buffered.flushSync() };
}

function loggerOptions(config: AppConfig) {
  return {
    level: pinoLevel(config.logLevel),
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
}

function prettyStream(destination?: DestinationStream): DestinationStream {
  return pinoPretty({
    destination: destination ?? 1,
    sync: true,
    // Colours for a terminal only: a test stream or a redirected file gets plain text.
    colorize: destination ? false : undefined,
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/**
 * nestjs-pino's parameters: Nest's own messages (bootstrap, errors) go
 * through the application's pino logger. Its pino-http middleware is not
 * mounted (no routes): request lines come from registerRequestLog, which
 * needs no per-request child logger and no AsyncLocalStorage, which cost
 * GET /auth/me much of its throughput at LOG_LEVEL=info (figures:
 * docs/performance.md, "What the profiles changed").
 */
export function loggerParams(logger: Logger): Params {
  return { pinoHttp: { logger }, renameContext: 'context', forRoutes: [] };
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
    // A path known only at run time: import() would make this function async for nothing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const internal = require(path) as { __resetOutOfContextForTests?: () => void };
    internal.__resetOutOfContextForTests?.();
  } catch {
    // A newer nestjs-pino without the reset: one application per process still works.
  }
}
