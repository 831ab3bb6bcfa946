import createClient from 'openapi-fetch';
import type { paths } from './generated/api-schema.ts';

/**
 * A typed client for nest-2fa-api: every path, request body and answer is
 * typed from the API's OpenAPI document (generated/api-schema.ts, made by
 * openapi-typescript), so a renamed field or route fails the type check.
 *
 * TLS: this is Node's fetch, which verifies the server against the system's
 * CAs and those in NODE_EXTRA_CA_CERTS (the dev CA, certs/dev-ca.crt, which
 * its name constraints limit to localhost and loopback addresses).
 * Verification is never turned off.
 */
export function createApiClient(baseUrl: string) {
  return createClient<paths>({ baseUrl });
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The Authorization header for a pre-auth or an access token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** A refusal, with the API's error shape (statusCode, error, message, requestId). */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(step: string, status: number, body: unknown) {
    super(`${step}: ${status} ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** The typed answer of a call that succeeded; anything else throws an ApiError. */
export async function ok<T>(
  step: string,
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(step, response.status, error);
  return data as T;
}
