import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { defaultEnvironment } from '../src/config/env.source';
import { enrolledUser } from './support/flows';
import { describeWire, send, toWire, violations, type FuzzContext } from './support/fuzz/fuzz-request';
import { fuzzOperations, type FuzzOperation, type OpenApiDocument } from './support/fuzz/openapi-operations';
import { BODY_LIMIT, requestArb, type RequestSpec } from './support/fuzz/request-arbitraries';
import { signingKeysOf, TokenBank } from './support/fuzz/token-bank';
import type { HttpsClient } from './support/https-client';
import { useTestApp, type LiveTestApp } from './support/test-app';

/**
 * Property-based fuzzing from the contract (issue 12 §4): every operation of
 * the app's own OpenAPI document gets generated requests with hostile bodies,
 * headers and tokens (support/fuzz/request-arbitraries.ts), and every
 * response must keep the properties in support/fuzz/fuzz-request.ts: never a
 * 5xx, the security headers, the one error shape with its requestId. A
 * full login must still work afterwards, and no prototype may be polluted
 * (the server runs in this process).
 *
 * `npm test` runs a fixed seed and a bounded number of runs;
 * `npm run fuzz -- --runs N [--seed S]` runs longer (FUZZ_RUNS, FUZZ_SEED).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const LIMITED_RUNS = 120;
/** Per run: one request, sometimes a full login of the token bank, and shrinking after a failure. */
const timeoutFor = (runs: number) => 120_000 + runs * 500;

interface Tally {
  requests: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
}

const newTally = (): Tally => ({ requests: 0, byStatus: {}, byOperation: {} });

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join();

async function loadOperations(client: HttpsClient): Promise<FuzzOperation[]> {
  const res = await client.get<OpenApiDocument>('/docs-json');
  expect(res.status).toBe(200);
  return fuzzOperations(res.body);
}

/**
 * One generated request through the wire and its judgement; a failure
 * throws with the request as sent, which fast-check reports with the seed
 * and the (shrunk) counterexample.
 */
async function exercise(client: HttpsClient, ctx: FuzzContext, tally: Tally, op: FuzzOperation, spec: RequestSpec) {
  const before = prototypeKeys();
  const wire = await toWire(op, spec, ctx);
  let res;
  try {
    res = await send(client, wire);
  } catch (error) {
    throw new Error(
      `no response (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) to\n${describeWire(wire)}`,
      { cause: error },
    );
  }
  tally.requests += 1;
  tally.byStatus[res.status] = (tally.byStatus[res.status] ?? 0) + 1;
  const perOp = (tally.byOperation[spec.operation] ??= {});
  perOp[res.status] = (perOp[res.status] ?? 0) + 1;
  const found = violations(op, wire, res);
  if (prototypeKeys() !== before || ({} as Record<string, unknown>).polluted !== undefined)
    found.push('Object.prototype changed');
  if (found.length > 0)
    throw new Error(
      `${found.join('\n')}\nfor the request\n${describeWire(wire)}\nresponse ${res.status}: ${res.text.slice(0, 300)}`,
    );
  ctx.bank.observe(
    { kind: wire.tokenKind, auth: op.auth, method: wire.method, usedKnownValues: wire.usedKnownValues },
    res.status,
  );
}

/** The server still does what it is for: register, login, setup, enable, then /auth/me with the new token. */
async function expectFullLogin(client: HttpsClient): Promise<void> {
  const user = await enrolledUser(client);
  const me = await client.get('/auth/me', { token: user.accessToken });
  expect(me.status).toBe(200);
  expect(me.body.username).toBe(user.username);
}

function report(name: string, tally: Tally, renewals: number): void {
  if (!process.env.FUZZ_REPORT) return;
  writeFileSync(
    `${process.env.FUZZ_REPORT}.${name}.json`,
    JSON.stringify({ seed: SEED, ...tally, bankFullLogins: renewals }, null, 2),
  );
}

describe('contract fuzz (relaxed limits)', () => {
  const live: LiveTestApp = useTestApp();
  const tally = newTally();
  let operations: FuzzOperation[];
  let ctx: FuzzContext;

  beforeAll(async () => {
    expect(live.t.config.http.bodyLimitBytes).toBe(BODY_LIMIT);
    operations = await loadOperations(live.client);
    const bank = new TokenBank(live.client.as('127.0.0.71'), true);
    await bank.init();
    ctx = { bank, keys: signingKeysOf(live.t) };
  });
  afterAll(() => report('relaxed', tally, ctx?.bank.renewals ?? 0));

  it(
    `keeps every response property for ${RUNS} generated requests (seed ${SEED})`,
    async () => {
      const fuzzer = live.client.as('127.0.0.70');
      await fc.assert(
        fc.asyncProperty(requestArb(operations), ({ op, spec }) => exercise(fuzzer, ctx, tally, op, spec)),
        { seed: SEED, numRuns: RUNS },
      );
    },
    timeoutFor(RUNS),
  );

  it('reached every documented operation, and the server past validation and the token checks', () => {
    // A fuzz that only ever met 400s and 401s would prove little.
    expect(Object.keys(tally.byOperation).sort()).toEqual(operations.map((op) => `${op.method} ${op.path}`).sort());
    for (const status of ['200', '400', '401', '404', '413', '415'])
      expect({ status, seen: (tally.byStatus[status] ?? 0) > 0 }).toEqual({ status, seen: true });
    expect(tally.byStatus['429']).toBeUndefined();
  });

  it('still serves a full login afterwards', async () => {
    await expectFullLogin(live.client.as('127.0.0.72'));
  });
});

describe('contract fuzz under the real rate limits and an IP allowlist', () => {
  const defaults = defaultEnvironment();
  // One allowed fuzzing address, so its budgets run out within the run, and one outside the allowlist.
  const addresses = ['127.0.0.81', '127.0.0.81', '127.0.0.90'];
  const live: LiveTestApp = useTestApp({
    RATE_LIMIT_DEFAULT: defaults.RATE_LIMIT_DEFAULT!,
    RATE_LIMIT_LOGIN: defaults.RATE_LIMIT_LOGIN!,
    RATE_LIMIT_2FA: defaults.RATE_LIMIT_2FA!,
    LOCKOUT_THRESHOLD: defaults.LOCKOUT_THRESHOLD!,
    IP_ALLOWLIST: '127.0.0.1/32,127.0.0.80/30',
  });
  const tally = newTally();
  let operations: FuzzOperation[];
  let ctx: FuzzContext;

  beforeAll(async () => {
    operations = await loadOperations(live.client);
    // Its tokens are made once: renewing them would spend the login budget the fuzz is measured against.
    const bank = new TokenBank(live.client.as('127.0.0.80'), false);
    await bank.init();
    ctx = { bank, keys: signingKeysOf(live.t) };
  });
  afterAll(() => report('limited', tally, 0));

  it(
    `keeps every response property for ${LIMITED_RUNS} requests from allowed and refused addresses (seed ${SEED})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...addresses), requestArb(operations), (address, { op, spec }) =>
          exercise(live.client.as(address), ctx, tally, op, spec),
        ),
        { seed: SEED, numRuns: LIMITED_RUNS },
      );
      // Whatever the seed, the limiter is met: a burst of one well-formed login, each answer judged as above.
      const login = operations.find((op) => op.method === 'POST' && op.path === '/auth/login')!;
      const burst: RequestSpec = {
        operation: 'POST /auth/login',
        method: 'POST',
        path: { kind: 'as-documented' },
        params: [],
        body: '{"username":"nobody","password":"not the password"}',
        invalidUtf8: false,
        headers: { contentType: 'application/json', contentLength: 'exact', authorization: [], extra: [] },
      };
      for (let i = 0; i <= Number(defaults.RATE_LIMIT_LOGIN!.split('/')[0]); i += 1)
        await exercise(live.client.as(addresses[0]), ctx, tally, login, burst);
      // The limits and the allowlist were really met.
      expect(tally.byStatus['429']).toBeGreaterThan(0);
      expect(tally.byStatus['403']).toBeGreaterThan(0);
    },
    timeoutFor(LIMITED_RUNS),
  );

  it('still serves a full login afterwards, to an address the fuzz did not use', async () => {
    await expectFullLogin(live.client.as('127.0.0.83'));
  });
});
