import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import { InsufficientUserAuthenticationException } from './insufficient-user-authentication.exception';
import { TooManyRequestsException } from './too-many-requests.exception';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}

export interface ErrorResponse {
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the cause is ours, not the client's: it must be logged, not shown. */
  internal: boolean;
}

/**
 * Fixed messages for errors raised by Fastify before a handler runs: its own
 * messages can quote parts of the request, and a parser's complaint can hint
 * at internals. The status already says what went wrong.
 */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large (limit 16 KiB)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty but Content-Type is application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/** The one error shape of the API: statusCode, error, message, requestId; never a stack. */
export function toErrorResponse(exception: unknown, requestId: string): ErrorResponse {
  const headers: Record<string, string> = {};
  if (exception instanceof TooManyRequestsException) {
    headers['Retry-After'] = String(exception.retryAfterSeconds);
  }
  if (exception instanceof InsufficientUserAuthenticationException) {
    headers['WWW-Authenticate'] = exception.wwwAuthenticate;
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const message = fastifyMessage(exception.cause) ?? messageOf(exception);
    // 503 is an expected state (a dependency is down), reported without a stack.
    return { body: body(statusCode, message, requestId), headers, internal: statusCode >= 500 && statusCode !== 503 };
  }
  if (isDatabaseUnavailable(exception)) {
    const message = 'A required service (database) is unavailable; try again shortly';
    return { body: body(HttpStatus.SERVICE_UNAVAILABLE, message, requestId), headers, internal: false };
  }
  return {
    body: body(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', requestId),
    headers,
    internal: true,
  };
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
/** PostgreSQL SQLSTATE class 08 (connection exception) and 57P0x (server shutting down or starting). */
const UNAVAILABLE_SQLSTATE = /^(08\d{3}|57P0[1-3])$/;
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

/**
 * A database that cannot be reached is the service being unavailable (503,
 * retry later), not a bug (500). Driver errors arrive raw or wrapped by
 * TypeORM (driverError).
 */
function isDatabaseUnavailable(exception: unknown): boolean {
  const candidates = [exception, (exception as { driverError?: unknown } | null)?.driverError];
  // Duck-typed, not instanceof Error: socket errors come from Node's core,
  // which under a test runner's sandbox is another realm.
  return candidates.some((error) => {
    if (typeof error !== 'object' || error === null) return false;
    const { code, message } = error as { code?: unknown; message?: unknown };
    return (
      (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) ||
      (typeof message === 'string' && CONNECTION_MESSAGES.test(message))
    );
  });
}

/** Nest maps Fastify's own 4xx errors to HttpExceptions, keeping the original as the cause. */
function fastifyMessage(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? FASTIFY_MESSAGES[code] : undefined;
}

function messageOf(exception: HttpException): string {
  // A 5xx message could carry internals; 503 is ours and says which dependency is down.
  if (exception.getStatus() >= 500 && exception.getStatus() !== 503) return 'Internal server error';
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    // Validation lists every problem, and each names a field the client chose
    // ("property <name> should not exist"): a 16 KiB body of unknown fields
    // made a 67,000-character message. The first few say what to fix.
    const shown = message.slice(0, MAX_MESSAGES).map((m) => cut(String(m)));
    const more = message.length - shown.length;
    return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
  }
  return typeof message === 'string' ? message : (STATUS_CODES[exception.getStatus()] ?? 'Error');
}

const MAX_MESSAGES = 10;
const MAX_MESSAGE_LENGTH = 200;

function cut(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

function body(statusCode: number, message: string, requestId: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
}
