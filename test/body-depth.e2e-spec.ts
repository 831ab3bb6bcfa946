import { MAX_BODY_DEPTH } from '../src/common/body-depth.pipe';
import { expectError } from './support/expect-error';
import { useTestApp } from './support/test-app';

/**
 * Deeply nested bodies under the 16 KiB limit: class-transformer (inside
 * ValidationPipe) recursed into `[[[[…]]]]` until the stack overflowed, a
 * 500 found by the contract fuzz (contract-fuzz.e2e-spec.ts). Now a 400 in
 * the error shape, on public and token routes alike.
 */
describe('deeply nested request bodies', () => {
  const app = useTestApp();
  const nested = (depth: number, open: string, close: string, leaf = '1') =>
    `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

  it.each([
    ['arrays, 7,800 deep (the fuzz case)', nested(7_800, '[', ']')],
    ['arrays, 3,000 deep', nested(3_000, '[', ']')],
    ['objects under a DTO field', `{"username":${nested(1_000, '{"a":', '}')},"password":"x"}`],
    ['arrays under a DTO field', `{"username":"someone","password":${nested(5_000, '[', ']')}}`],
  ])('%s → 400, not 500', async (_name, rawBody) => {
    expect(Buffer.byteLength(rawBody)).toBeLessThan(16 * 1024);
    for (const path of ['/auth/login', '/auth/register']) {
      const res = await app.client.post(path, { rawBody, headers: { 'content-type': 'application/json' } });
      expectError(res, 400, `Request body is nested too deeply (limit ${MAX_BODY_DEPTH} levels)`);
    }
  });

  it('a body just within the limit reaches validation and gets its usual message', async () => {
    const rawBody = `{"username":"someone","password":${nested(MAX_BODY_DEPTH - 1, '[', ']')}}`;
    const res = await app.client.post('/auth/login', { rawBody, headers: { 'content-type': 'application/json' } });
    expectError(res, 400, /password/);
  });
});
