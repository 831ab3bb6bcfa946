import { createHmac, sign } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { HttpsClient, Response } from '../https-client';
import type { FuzzOperation } from './openapi-operations';
import {
  KNOWN_MARKER,
  type AuthorizationSpec,
  type PathSpec,
  type RequestSpec,
  type TokenSpec,
} from './request-arbitraries';
import type { SigningKeys, TokenBank, TokenKind } from './token-bank';

/**
 * Turns a generated RequestSpec into bytes on the wire (real tokens and
 * credentials from the bank filled in), sends it, and judges the response
 * against the properties every response must have.
 */

export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
  /** The bank token the request carries as itself (not mutated), if any. */
  tokenKind: TokenKind | undefined;
  usedKnownValues: boolean;
}

export interface FuzzContext {
  bank: TokenBank;
  keys: SigningKeys;
}

function renderPath(op: FuzzOperation, spec: RequestSpec): string {
  let path = op.path;
  op.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, spec.params[i])));
  const p: PathSpec = spec.path;
  switch (p.kind) {
    case 'as-documented':
      return path;
    case 'trailing-slash':
      return `${path}/`;
    case 'upper-case':
      return path.toUpperCase();
    case 'double-slash':
      return path.replace('/', '//');
    case 'dot-segment':
      return `/x/..${path}`;
    case 'encoded':
      return path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
    case 'query':
      return `${path}?${p.query}`;
  }
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const decodePart = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** Entries of a decoded JWT part with overrides applied, as JSON text: keeps own __proto__ keys and raw values. */
function overriddenText(original: Record<string, unknown>, overrides: Array<[string, string | null]>): string {
  const entries = new Map<string, string | null>(Object.entries(original).map(([k, v]) => [k, JSON.stringify(v)]));
  for (const [name, value] of overrides) entries.set(name, value);
  return `{${[...entries]
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
}

async function renderToken(spec: TokenSpec, ctx: FuzzContext): Promise<string> {
  if (spec.kind === 'garbage') return spec.value;
  const real = await ctx.bank.token(spec.of);
  const parts = real.split('.');
  switch (spec.kind) {
    case 'valid':
      return real;
    case 'tampered': {
      const part = parts[spec.part];
      const at = part.length === 0 ? 0 : spec.at % part.length;
      parts[spec.part] = part.slice(0, at) + spec.char + part.slice(at + 1);
      return parts.join('.');
    }
    case 'alg-none': {
      const header = { ...decodePart(parts[0]), alg: spec.alg };
      return `${b64(JSON.stringify(header))}.${parts[1]}.${spec.keepSignature ? parts[2] : ''}`;
    }
    case 'resigned': {
      const signer = spec.key === 'own' ? spec.of : spec.of === 'access' ? 'pre-auth' : 'access';
      const header = decodePart(parts[0]);
      if (spec.key === 'other') header.alg = signer === 'access' ? 'ES256' : 'HS256';
      const input = `${b64(overriddenText(header, spec.header))}.${b64(overriddenText(decodePart(parts[1]), spec.claims))}`;
      const signature =
        signer === 'access'
          ? sign('sha256', Buffer.from(input), { key: ctx.keys.access, dsaEncoding: 'ieee-p1363' })
          : createHmac('sha256', ctx.keys.preAuth).update(input).digest();
      return `${input}.${signature.toString('base64url')}`;
    }
  }
}

/** Header values node:http refuses to send are replaced, so every generated request reaches the server. */
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

async function renderAuthorization(specs: AuthorizationSpec[], ctx: FuzzContext): Promise<string[]> {
  const values: string[] = [];
  for (const spec of specs) values.push(headerSafe(`${spec.scheme}${await renderToken(spec.token, ctx)}`));
  return values;
}

export async function toWire(op: FuzzOperation, spec: RequestSpec, ctx: FuzzContext): Promise<WireRequest> {
  let usedKnownValues = false;
  const text = spec.body?.replace(KNOWN_MARKER, (_marker, field: string) => {
    usedKnownValues = true;
    return JSON.stringify(ctx.bank.known(field) ?? field);
  });
  let body = text === undefined ? undefined : Buffer.from(text, 'utf8');
  if (body && spec.invalidUtf8) {
    const at = Math.floor(body.length / 2);
    body = Buffer.concat([body.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), body.subarray(at)]);
  }
  const headers: Record<string, string | string[]> = {};
  const { contentType, contentLength, authorization, extra } = spec.headers;
  if (contentType !== null)
    headers['content-type'] = Array.isArray(contentType) ? contentType.map(headerSafe) : headerSafe(contentType);
  if (body) {
    const length = String(body.length);
    if (contentLength === 'exact') headers['content-length'] = length;
    if (contentLength === 'duplicate') headers['content-length'] = [length, length];
    if (contentLength === 'short') headers['content-length'] = String(Math.max(0, body.length - 1));
    if (contentLength === 'with-chunked') {
      headers['content-length'] = length;
      headers['transfer-encoding'] = 'chunked';
    }
  }
  const authValues = await renderAuthorization(authorization, ctx);
  if (authValues.length > 0) headers.authorization = authValues.length === 1 ? authValues[0] : authValues;
  for (const [name, value] of extra) {
    const previous = headers[name];
    headers[name] = previous === undefined ? headerSafe(value) : ([] as string[]).concat(previous, headerSafe(value));
  }
  const [first] = authorization;
  return {
    method: spec.method,
    path: renderPath(op, spec),
    headers,
    body,
    tokenKind:
      authorization.length === 1 && first.scheme === 'Bearer ' && first.token.kind === 'valid'
        ? first.token.of
        : undefined,
    usedKnownValues,
  };
}

export function send(client: HttpsClient, wire: WireRequest): Promise<Response> {
  return client.send(wire.method, wire.path, { rawBody: wire.body, headers: wire.headers, exactHeaders: true });
}

/** What http-hardening.e2e-spec.ts asserts for single requests, here for every generated one. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A stack frame, a Fastify error code or a source path in a body: internals that must never leave. */
const INTERNALS = /\n\s+at \S|\bFST_ERR|node_modules|\/(src|dist)\/\S+\.(ts|js)\b/;

/** Every property a response breaks; empty when it keeps them all. */
export function violations(op: FuzzOperation, wire: WireRequest, res: Response): string[] {
  const found: string[] = [];
  if (res.status >= 500) found.push(`status ${res.status} (never a 5xx)`);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (res.headers[name] !== value)
      found.push(`header ${name}: ${JSON.stringify(res.headers[name])}, want ${JSON.stringify(value)}`);
  }
  if (res.headers['x-powered-by'] !== undefined) found.push('header x-powered-by present');
  // Only a public document may be cached (the JWKS says so on purpose); anything else, errors included, never.
  const cacheable = res.status === 200 && (wire.method === 'GET' || wire.method === 'HEAD') && op.auth === 'public';
  if (
    res.headers['cache-control'] !== 'no-store' &&
    !(cacheable && /^public, max-age=\d+$/.test(String(res.headers['cache-control'])))
  ) {
    found.push(`header cache-control: ${JSON.stringify(res.headers['cache-control'])}, want no-store`);
  }
  const requestId = res.headers['x-request-id'];
  if (typeof requestId !== 'string' || !UUID.test(requestId))
    found.push(`header x-request-id: ${JSON.stringify(requestId)}, want a UUID`);
  if (INTERNALS.test(res.text)) found.push('body shows internals');
  // A HEAD response has no body to judge.
  if (wire.method === 'HEAD') return found;
  if (res.status >= 400) {
    const body = res.body as Record<string, unknown> | undefined;
    const want = { statusCode: res.status, error: STATUS_CODES[res.status], requestId };
    if (
      typeof body !== 'object' ||
      body === null ||
      Object.keys(body).sort().join() !== 'error,message,requestId,statusCode' ||
      body.statusCode !== want.statusCode ||
      body.error !== want.error ||
      body.requestId !== want.requestId ||
      typeof body.message !== 'string' ||
      body.message.length === 0
    ) {
      found.push(`error body ${res.text.slice(0, 300)} is not the error shape ${JSON.stringify(want)}`);
    }
    if (!String(res.headers['content-type']).startsWith('application/json'))
      found.push(`content-type ${res.headers['content-type']} on an error`);
    if (res.status === 429 && !/^[1-9]\d*$/.test(String(res.headers['retry-after'])))
      found.push(`429 without a plain Retry-After: ${res.headers['retry-after']}`);
  } else if (res.status >= 200 && res.status < 300 && wire.method === op.method && wire.path === op.path) {
    // A success on the documented route is the documented one.
    if (res.status !== op.successStatus) found.push(`success status ${res.status}, documented ${op.successStatus}`);
    const missing = op.successRequired.filter(
      (field) => (res.body as Record<string, unknown> | undefined)?.[field] === undefined,
    );
    if (missing.length > 0) found.push(`success body lacks documented fields ${missing.join(', ')}`);
  }
  return found;
}

/** A request as the failure report shows it: long values cut, so the seed and the shape stay readable. */
export function describeWire(wire: WireRequest): string {
  const cut = (s: string) => (s.length > 240 ? `${s.slice(0, 240)}… (${s.length} chars)` : s);
  const headers = Object.entries(wire.headers).map(([k, v]) => `  ${k}: ${cut(JSON.stringify(v))}`);
  const body = wire.body === undefined ? '(no body)' : cut(wire.body.toString('utf8'));
  return [`${wire.method} ${cut(wire.path)}`, ...headers, `  body (${wire.body?.length ?? 0} bytes): ${body}`].join(
    '\n',
  );
}
