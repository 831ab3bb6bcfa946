import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { computeSecurityHeaders, HELMET_OPTIONS } from './security-headers';

/** What helmet(options) puts on a real node:http response, as a client receives it. */
async function headersFromRealHelmet(): Promise<IncomingHttpHeaders> {
  const middleware = helmet(HELMET_OPTIONS);
  const server = createServer((req, res) => middleware(req, res, () => res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.resume();
        resolve(res.headers);
      })
        .on('error', reject)
        .end();
    });
  } finally {
    server.close();
  }
}

describe('security headers computed once from helmet', () => {
  it('are exactly the headers helmet(options) sets on a real response', async () => {
    const real = await headersFromRealHelmet();
    const computed = computeSecurityHeaders();
    const fromHelmet = Object.fromEntries(
      Object.entries(real).filter(
        ([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name),
      ),
    );
    expect(computed).toEqual(fromHelmet);
  });

  it('include the API policy: no content, no framing, HSTS for a year', () => {
    expect(computeSecurityHeaders()).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
    });
  });
});
