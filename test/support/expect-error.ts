import type { Response } from './https-client';

/**
 * The `error` field of the API's error shape for each status it answers
 * with. Written out here rather than taken from node:http's STATUS_CODES, so
 * the expected names do not move if Node's table does.
 */
const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * The one error shape: exactly { statusCode, error, message, requestId }, with
 * the status's error name, a request id that is the response's X-Request-Id,
 * and a message that is any string, exactly `message`, or one matching it.
 */
export function expectError(res: Response, status: number, message?: string | RegExp): void {
  const error = ERROR_NAMES[status];
  if (!error) throw new Error(`expectError: no error name for status ${status}; add it to ERROR_NAMES`);
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    statusCode: status,
    error,
    message:
      message === undefined ? expect.any(String) : message instanceof RegExp ? expect.stringMatching(message) : message,
    requestId: expect.any(String),
  });
  expect(res.headers['x-request-id']).toBe(res.body.requestId);
}

/**
 * A 429 from any limiter or the lockout: the error shape with its fixed
 * message, and a plain integer Retry-After of at most `maxSeconds`, which is
 * returned.
 */
export function expectTooMany(res: Response, maxSeconds: number): number {
  expectError(res, 429, 'Too many requests, try again later');
  const retryAfter = res.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
  const seconds = Number(retryAfter);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  return seconds;
}
