import fc from 'fast-check';
import type { FuzzOperation, JsonSchema } from './openapi-operations';
import type { TokenKind } from './token-bank';

/**
 * fast-check generators for one hostile request against one documented
 * operation. Everything here is data (strings, numbers, choices), so a
 * failing case prints and shrinks; the real tokens and credentials it refers
 * to are filled in when it is sent (fuzz-request.ts).
 *
 * Bodies are generated as JSON text, not as values passed to JSON.stringify:
 * that is the only way to send duplicate keys, own `__proto__` keys,
 * 1e400 or a nesting depth no object in this process could have.
 */

/** The server's body limit (FastifyAdapter bodyLimit, 16 KiB): sizes are generated around it. */
export const BODY_LIMIT = 16 * 1024;

/** A placeholder for a real value (the user's password, a valid code…), replaced when the request is sent. */
export const knownMarker = (field: string) => `"@@known:${field}@@"`;
export const KNOWN_MARKER = /"@@known:([A-Za-z]+)@@"/g;

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u202e',
  '\u00e9'.normalize('NFD'),
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '😀'.repeat(3),
  "' OR '1'='1",
  '"; DROP TABLE users;--',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  'admin',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  '[object Object]',
  '000000',
  '123456',
];

/** Keys that have meant prototype pollution or operator injection somewhere. */
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '$where',
  '$ne',
  '',
];

const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '0.1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '-1',
  '0',
];

const controlChar = fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  // NUL and other control characters, alone or inside text: what databases and C libraries choke on.
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.string({ maxLength: 8 }),
        fc.string({ unit: controlChar, minLength: 1, maxLength: 3 }),
        fc.string({ maxLength: 8 }),
      )
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  // Lengths where characters and bytes disagree.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '\u00e9', '😀', '\u0000', '\ud800'), fc.integer({ min: 1, max: 300 }))
      .map(([ch, n]) => ch.repeat(n)),
  },
);

const scalarJson: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(...RAW_NUMBERS, 'true', 'false', 'null'),
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

const objectText = (entries: Array<[string, string]>) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

/** Any JSON value, as text, with hostile keys and values at every level. */
export const anyJson: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarJson, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }).map(objectText),
})).value;

/** Nesting far deeper than any real body: a recursive validator or transformer would overflow its stack. */
const deepJson: fc.Arbitrary<string> = fc
  .record({
    depth: fc.integer({ min: 64, max: 8000 }),
    open: fc.constantFrom('[', '{"a":', '{"__proto__":', '{"username":'),
    leaf: fc.constantFrom('1', '"x"', '{}', '[]', 'null'),
  })
  .map(({ depth, open, leaf }) => `${open.repeat(depth)}${leaf}${(open === '[' ? ']' : '}').repeat(depth)}`);

/** Almost JSON: each case must be a 400, never a parser crash. */
const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '[1,2',
    'nul',
    'tru',
    '"\\u12"',
    '"\\x41"',
    '{"a":1}{"a":2}',
    '\ufeff{}',
    '{"a":01}',
    'NaN',
    '{"a":Infinity}',
    '/*x*/{}',
  ),
  fc
    .tuple(anyJson, fc.integer({ min: 1, max: 20 }))
    .map(([text, cut]) => text.slice(0, Math.max(0, text.length - cut))),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);

/** A value for one documented property: valid, the real one, hostile, or of the wrong type. */
function propertyValue(name: string, schema: JsonSchema): fc.Arbitrary<string> {
  const valid: fc.Arbitrary<string>[] = [];
  if (schema.pattern) valid.push(fc.stringMatching(new RegExp(schema.pattern)).map((s) => JSON.stringify(s)));
  if (schema.maxLength !== undefined) {
    const max = schema.maxLength;
    valid.push(
      fc
        .tuple(fc.integer({ min: max - 1, max: max + 1 }), fc.constantFrom('a', '\u00e9', '😀'))
        .map(([n, ch]) => JSON.stringify(ch.repeat(Math.max(0, n)))),
    );
  }
  if (valid.length === 0) valid.push(fc.string({ minLength: 1, maxLength: 64 }).map((s) => JSON.stringify(s)));
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...valid) },
    { weight: 2, arbitrary: fc.constant(knownMarker(name)) },
    { weight: 3, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
    { weight: 2, arbitrary: anyJson },
  );
}

/** The documented shape (some fields missing), hostile values, maybe extra and duplicate keys. */
function shapedBody(schema: JsonSchema): fc.Arbitrary<string> {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const fields = properties.map(([name, property]) =>
    fc.option(
      propertyValue(name, property).map((value): [string, string] => [name, value]),
      {
        nil: undefined,
        freq: required.has(name) ? 12 : 3,
      },
    ),
  );
  const extra = fc.array(
    fc.tuple(fc.oneof(keyArb, fc.constantFrom(...properties.map(([name]) => name), '__proto__')), anyJson),
    { maxLength: 2 },
  );
  return fc
    .tuple(fc.tuple(...fields), fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extra }))
    .map(([present, extras]) =>
      objectText([...present.filter((f): f is [string, string] => f !== undefined), ...extras]),
    );
}

/**
 * A body whose size is right at the limit (either side) or well over it,
 * padded inside a string field or with whitespace.
 */
function sizedBody(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const field = Object.keys(schema?.properties ?? {})[0] ?? 'x';
  return fc
    .record({
      size: fc.oneof(
        fc.integer({ min: BODY_LIMIT - 200, max: BODY_LIMIT + 200 }),
        fc.integer({ min: BODY_LIMIT, max: 3 * BODY_LIMIT }),
      ),
      fill: fc.constantFrom('a', '\u00e9', '😀', ' '),
    })
    .map(({ size, fill }) => {
      if (fill === ' ') return `{}${' '.repeat(Math.max(0, size - 2))}`;
      const empty = objectText([[field, '""']]);
      const room = Math.max(0, size - Buffer.byteLength(empty));
      const unit = Buffer.byteLength(fill);
      const text = fill.repeat(Math.floor(room / unit)) + 'a'.repeat(room % unit);
      return objectText([[field, JSON.stringify(text)]]);
    });
}

/** JSON text for the body, or undefined for none. Bodiless operations mostly get none. */
export function bodyArb(op: FuzzOperation): fc.Arbitrary<string | undefined> {
  const none = fc.constant(undefined);
  if (!op.body) {
    return fc.oneof(
      { weight: 8, arbitrary: none },
      { weight: 1, arbitrary: anyJson },
      { weight: 1, arbitrary: fc.oneof(malformedJson, sizedBody(undefined)) },
    );
  }
  return fc.oneof(
    { weight: 10, arbitrary: shapedBody(op.body) },
    { weight: 2, arbitrary: anyJson },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: malformedJson },
    { weight: 1, arbitrary: sizedBody(op.body) },
    { weight: 1, arbitrary: none },
  );
}

/** Characters node:http lets a client put in a header value (it refuses the others before sending). */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((code) => String.fromCharCode(code));
export const headerValue = (maxLength = 80) => fc.string({ unit: headerChar, maxLength });

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const base64urlChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));

export type TokenSpec =
  | { kind: 'valid'; of: TokenKind }
  /** One character of the header, claims or signature replaced. */
  | { kind: 'tampered'; of: TokenKind; part: 0 | 1 | 2; at: number; char: string }
  /** The real claims under an unsigned header. */
  | { kind: 'alg-none'; of: TokenKind; alg: string; keepSignature: boolean }
  /**
   * Header and claims of a real token with some entries replaced (JSON text)
   * or removed (null), then signed with the server's own key for that kind
   * (`key: 'own'`) or the other kind's key and algorithm.
   */
  | {
      kind: 'resigned';
      of: TokenKind;
      key: 'own' | 'other';
      header: Array<[string, string | null]>;
      claims: Array<[string, string | null]>;
    }
  | { kind: 'garbage'; value: string };

export interface AuthorizationSpec {
  scheme: string;
  token: TokenSpec;
}

const tokenKind = fc.constantFrom<TokenKind>('access', 'pre-auth');
/** The ids come first: they are what the server looks up. */
const CLAIM_NAMES = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('sub', 'sid', 'jti') },
  { weight: 1, arbitrary: fc.constantFrom('exp', 'iat', 'nbf', 'amr', 'aud', 'iss', '__proto__', 'constructor') },
);
const HEADER_NAMES = fc.constantFrom('alg', 'typ', 'kid', 'crit', 'jku', 'x5u', 'jwk', 'b64', '__proto__');
/** Mostly strings: ids and names are strings, and a string is what reaches a query. */
const claimValue = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: anyJson },
);
const overrides = (names: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(names, fc.option(claimValue, { nil: null, freq: 4 })), { minLength: 1, maxLength: 2 });

const garbageToken: fc.Arbitrary<string> = fc.oneof(
  headerValue(200),
  fc.constantFrom(
    '',
    '.',
    '..',
    '...',
    'a.b.c',
    'a.b.c.d.e',
    'null',
    `${b64('{"alg":"none"}')}..`,
    `${b64('{"alg":"none"}')}.${b64('{}')}.`,
    `${b64('{"alg":"ES256","typ":"at+jwt","kid":{"__proto__":{"x":1}}}')}.${b64('{}')}.AAAA`,
    `${b64('[]')}.${b64('{}')}.AAAA`,
    `${b64('null')}.${b64('null')}.`,
    `${b64('"at+jwt"')}.${b64('"x"')}.`,
  ),
  // Three segments, each the base64url of any JSON, random base64url or nothing.
  fc
    .tuple(
      ...[0, 1, 2].map(() =>
        fc.oneof(anyJson.map(b64), fc.string({ unit: base64urlChar, maxLength: 90 }), fc.constant('')),
      ),
    )
    .map((segments) => segments.join('.')),
  // Far beyond any real token; past 16 KiB the whole header block is refused by the HTTP parser.
  fc.integer({ min: 2_000, max: 20_000 }).map((n) => `${'a'.repeat(n)}.b.c`),
);

export const tokenSpec: fc.Arbitrary<TokenSpec> = fc.oneof(
  { weight: 4, arbitrary: tokenKind.map((of): TokenSpec => ({ kind: 'valid', of })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ of: tokenKind, part: fc.constantFrom<0 | 1 | 2>(0, 1, 2), at: fc.nat(400), char: base64urlChar })
      .map((r): TokenSpec => ({ kind: 'tampered', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ of: tokenKind, alg: fc.constantFrom('none', 'None', 'NONE', 'nOnE', ''), keepSignature: fc.boolean() })
      .map((r): TokenSpec => ({ kind: 'alg-none', ...r })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        of: tokenKind,
        key: fc.constantFrom<'own' | 'other'>('own', 'own', 'own', 'other'),
        header: fc.oneof(
          { weight: 3, arbitrary: fc.constant<Array<[string, string | null]>>([]) },
          { weight: 1, arbitrary: overrides(HEADER_NAMES) },
        ),
        claims: overrides(CLAIM_NAMES),
      })
      .map((r): TokenSpec => ({ kind: 'resigned', ...r })),
  },
  { weight: 3, arbitrary: garbageToken.map((value): TokenSpec => ({ kind: 'garbage', value })) },
);

const authorizationSpec: fc.Arbitrary<AuthorizationSpec> = fc.record({
  scheme: fc.oneof(
    { weight: 8, arbitrary: fc.constant('Bearer ') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'bearer ',
        'BEARER ',
        'Bearer  ',
        'Bearer\t',
        'Bearer',
        'Basic ',
        'Token ',
        '',
        ' Bearer ',
        'Bearer Bearer ',
      ),
    },
  ),
  token: tokenSpec,
});

export type ContentLengthMode = 'exact' | 'none' | 'duplicate' | 'short' | 'with-chunked';

export interface HeaderSpec {
  /** null: no Content-Type header at all. */
  contentType: string | string[] | null;
  contentLength: ContentLengthMode;
  /** No Authorization header, one, or two. */
  authorization: AuthorizationSpec[];
  extra: Array<[string, string]>;
}

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json;',
  'application/json ;',
  'application/jsonx',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/problem+json',
  'text/json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  '',
  ';',
];

const contentTypeArb = (hasBody: boolean): fc.Arbitrary<string | string[] | null> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant(hasBody ? 'application/json' : null) },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(hasBody ? null : 'application/json') },
    { weight: 1, arbitrary: headerValue(60) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('application/json', 'text/plain'), fc.constantFrom(...CONTENT_TYPES))
        .map(([a, b]) => [a, b]),
    },
  );

const EXTRA_HEADERS: Array<[string, string]> = [
  ['x-forwarded-for', '1.2.3.4'],
  ['x-forwarded-for', '127.0.0.1, ::1, not-an-address'],
  ['x-real-ip', '10.0.0.1'],
  ['forwarded', 'for=1.2.3.4;proto=http'],
  ['x-request-id', 'attacker-chosen'],
  ['accept', 'text/html'],
  ['accept', 'application/xml;q=1, */*;q=0'],
  ['accept-encoding', 'gzip, br, zstd, *'],
  ['accept-charset', 'utf-7'],
  ['origin', 'https://evil.example'],
  ['cookie', 'session=x; __proto__=y'],
  ['expect', '100-continue'],
  ['expect', 'something-else'],
  ['connection', 'close'],
  ['connection', 'keep-alive, upgrade'],
  ['upgrade', 'websocket'],
  ['te', 'trailers'],
  ['range', 'bytes=0-1'],
  ['if-none-match', '*'],
  ['if-modified-since', 'not a date'],
  ['x-http-method-override', 'DELETE'],
  ['x-original-url', '/auth/me'],
  ['x-rewrite-url', '/health'],
  ['host', 'evil.example'],
  ['host', ''],
  ['host', 'localhost:1, evil.example'],
  ['content-encoding', 'gzip'],
  ['content-encoding', 'br, identity'],
  ['transfer-encoding', 'gzip'],
  ['authorization-', 'x'],
];

const extraHeaders: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...EXTRA_HEADERS) },
    { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue()) },
    // One header or many: around and past the 16 KiB the HTTP parser accepts for all headers.
    {
      weight: 1,
      arbitrary: fc.integer({ min: 4_000, max: 20_000 }).map((n): [string, string] => ['x-padding', 'p'.repeat(n)]),
    },
  ),
  { maxLength: 3 },
);

export function headerArb(hasBody: boolean): fc.Arbitrary<HeaderSpec> {
  return fc.record({
    contentType: contentTypeArb(hasBody),
    contentLength: fc.oneof(
      { weight: 20, arbitrary: fc.constant<ContentLengthMode>('exact') },
      { weight: 1, arbitrary: fc.constantFrom<ContentLengthMode>('none', 'duplicate', 'short', 'with-chunked') },
    ),
    authorization: fc.oneof(
      { weight: 2, arbitrary: fc.constant<AuthorizationSpec[]>([]) },
      { weight: 6, arbitrary: authorizationSpec.map((a) => [a]) },
      { weight: 1, arbitrary: fc.tuple(authorizationSpec, authorizationSpec).map(([a, b]) => [a, b]) },
    ),
    extra: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) },
      { weight: 1, arbitrary: extraHeaders },
    ),
  });
}

export type PathSpec =
  | { kind: 'as-documented' }
  | { kind: 'trailing-slash' }
  | { kind: 'upper-case' }
  | { kind: 'double-slash' }
  | { kind: 'dot-segment' }
  | { kind: 'encoded' }
  | { kind: 'query'; query: string };

const queryArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__[polluted]=1',
    'constructor[prototype][polluted]=1',
    '__proto__.polluted=1',
    'a=1&a=2&a=3',
    'access_token=x',
    'token=x',
    '%zz',
    '%00',
    '&&&==',
    'a[b][c][d][e][f][g][h][i][j][k]=1',
  ),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 20 }), { maxKeys: 4 }).map((d) =>
    Object.entries(d)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&'),
  ),
  fc.integer({ min: 1_000, max: 18_000 }).map((n) => `q=${'q'.repeat(n)}`),
);

const pathSpec: fc.Arbitrary<PathSpec> = fc.oneof(
  { weight: 30, arbitrary: fc.constant<PathSpec>({ kind: 'as-documented' }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<PathSpec>(
      { kind: 'trailing-slash' },
      { kind: 'upper-case' },
      { kind: 'double-slash' },
      { kind: 'dot-segment' },
      { kind: 'encoded' },
    ),
  },
  { weight: 3, arbitrary: queryArb.map((query): PathSpec => ({ kind: 'query', query })) },
);

/**
 * A lone surrogate cannot be percent-encoded (encodeURIComponent throws);
 * a browser's URL encoder sends U+FFFD in its place, and so does this.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const encodePathParam = (value: string) => encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));

/** Values for {param} path segments, encoded as a client would (or not). */
const pathParamArb: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  hostileString.map(encodePathParam),
  fc.constantFrom('..', '%2e%2e', '%2F', '%00', '-1', '0', 'null', 'a'.repeat(2000)),
);

export interface RequestSpec {
  operation: string;
  method: string;
  path: PathSpec;
  params: string[];
  /** JSON text (with known-value markers), or undefined. */
  body: string | undefined;
  /** Bytes that are not UTF-8 inserted into the body. */
  invalidUtf8: boolean;
  headers: HeaderSpec;
}

/** Cut long strings (padding, huge bodies) when fast-check prints a counterexample. */
const cutLong = (_key: string, value: unknown) =>
  typeof value === 'string' && value.length > 160 ? `${value.slice(0, 80)}…(${value.length} chars)` : value;

function printable(value: { op: FuzzOperation; spec: RequestSpec }): { op: FuzzOperation; spec: RequestSpec } {
  Object.defineProperty(value, fc.toStringMethod, { value: () => JSON.stringify(value.spec, cutLong) });
  return value;
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'];

export function requestArb(operations: FuzzOperation[]): fc.Arbitrary<{ op: FuzzOperation; spec: RequestSpec }> {
  return fc.constantFrom(...operations).chain((op) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 12, arbitrary: fc.constant(op.method) },
          { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
        ),
        path: pathSpec,
        params: fc.tuple(...op.pathParams.map(() => pathParamArb)),
        body: bodyArb(op),
        invalidUtf8: fc.oneof(
          { weight: 15, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
      })
      .chain((partial) =>
        headerArb(partial.body !== undefined).map((headers) =>
          printable({ op, spec: { operation: `${op.method} ${op.path}`, ...partial, headers } }),
        ),
      ),
  );
}
