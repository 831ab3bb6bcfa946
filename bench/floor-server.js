// @ts-check
'use strict';
// The physical floor: plain node:https, the same certificate and TLS options
// as the API (dist/tls/tls-options.js), answering {"status":"ok"} like
// GET /health. No framework can be faster on this machine than this; every
// other figure is read against it. Started by run.js with fork(): it reports
// its port over IPC and stops when told to.
const https = require('node:https');
const { readFileSync } = require('node:fs');
const { runtimeKeyExchangeGroups } = require('../dist/tls/key-exchange-groups.js');
const { buildTlsOptions } = require('../dist/tls/tls-options.js');

const BODY = Buffer.from(JSON.stringify({ status: 'ok' }));
/** @type {any} The dist build has no .d.ts: the options are node:https ones at run time. */
const tls = buildTlsOptions(
  readFileSync(process.env.BENCH_TLS_CERT),
  readFileSync(process.env.BENCH_TLS_KEY),
  runtimeKeyExchangeGroups().groups,
);

const server = https.createServer(tls, (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
  res.end(BODY);
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
