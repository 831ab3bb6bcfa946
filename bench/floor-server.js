// @ts-check
'use strict';
// The physical floor: plain node:https, the same certificate and TLS options
// as the API (dist/tls/tls-options.js), answering {"status":"ok"} like
// GET /health. No framework can be faster on this machine than this; every
// other figure is read against it. Started by run.js with fork(): it reports
// its port over IPC and stops when told to.
//
// A request with a bearer token gets what the forged-token target is read
// against: one ES256 verification with the API's public key (BENCH_JWT_KEY_FILE),
// as src/tokens/key-ring.ts does it, and a 401 when it fails; nothing else. Its
// rate over the raw verification rate is the most any server could score on
// that target on this machine.
const https = require('node:https');
const { createPublicKey, verify } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { runtimeKeyExchangeGroups } = require('../dist/tls/key-exchange-groups.js');
const { buildTlsOptions } = require('../dist/tls/tls-options.js');

const BODY = Buffer.from(JSON.stringify({ status: 'ok' }));
const REFUSED = Buffer.from(JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' }));
const publicKey = process.env.BENCH_JWT_KEY_FILE ? createPublicKey(readFileSync(process.env.BENCH_JWT_KEY_FILE)) : null;

/** The signature check of a compact JWS, ES256 (r || s), and no other work. */
function signatureVerifies(token) {
  const lastDot = token.lastIndexOf('.');
  if (!publicKey || lastDot < 0) return false;
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  return (
    signature.length === 64 &&
    verify(
      'sha256',
      Buffer.from(token.slice(0, lastDot), 'ascii'),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    )
  );
}
/** @type {any} The dist build has no .d.ts: the options are node:https ones at run time. */
const tls = buildTlsOptions(
  readFileSync(process.env.BENCH_TLS_CERT),
  readFileSync(process.env.BENCH_TLS_KEY),
  runtimeKeyExchangeGroups().groups,
);

const server = https.createServer(tls, (req, res) => {
  const authorization = req.headers.authorization;
  const body =
    authorization?.startsWith('Bearer ') && !signatureVerifies(authorization.slice('Bearer '.length)) ? REFUSED : BODY;
  res.writeHead(body === BODY ? 200 : 401, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
});
// Same idle keep-alive as Fastify's default (72 s), so no scenario loses
// connections mid-run.
server.keepAliveTimeout = 72_000;

server.listen(0, '127.0.0.1', () =>
  process.send({ ready: true, port: /** @type {import('node:net').AddressInfo} */ (server.address()).port }),
);
process.on('message', (message) => {
  if (message !== 'stop') return;
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
process.on('disconnect', () => process.exit(0));
