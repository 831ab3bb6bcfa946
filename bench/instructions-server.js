// @ts-check
'use strict';
// One server of `npm run bench:instructions` (bench/instructions.js), run
// under valgrind's callgrind. INSTR_VARIANT picks what it serves:
//   floor                      plain node:https, {"status":"ok"} (as bench/floor-server.js)
//   floor-headers              the same plus the headers the API adds to every
//                              response (helmet's set, X-Request-Id, Cache-Control)
//   bare                       Nest 12 on Fastify, one controller (as bench/bare-nest-server.js)
//   api                        the API with the bench's no-op route (as bench/api-main.js)
//   api-no-guards              the same without its three global guards
//   api-no-guards-no-headers   the same without the guards and helmet's headers
// The last two take layers out of the built app in memory, here only: they
// exist to say what each layer costs, and no production entry point can
// start them. The server writes { port } to INSTR_READY_FILE once it listens.
require('reflect-metadata');
const https = require('node:https');
const { randomUUID } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { APP_GUARD, NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { runtimeKeyExchangeGroups } = require('../dist/tls/key-exchange-groups.js');
const { buildTlsOptions } = require('../dist/tls/tls-options.js');
const securityHeaders = require('../dist/common/security-headers.js');
const { BareModule } = require('./bare-module');

const BODY = Buffer.from(JSON.stringify({ status: 'ok' }));
/** @type {any} The dist build has no .d.ts: the options are node:https ones at run time. */
const tls = buildTlsOptions(
  readFileSync(process.env.BENCH_TLS_CERT),
  readFileSync(process.env.BENCH_TLS_KEY),
  runtimeKeyExchangeGroups().groups,
);
const ready = (port) => writeFileSync(process.env.INSTR_READY_FILE, JSON.stringify({ port }));

function floor(withHeaders) {
  const fixed = securityHeaders.computeSecurityHeaders();
  const server = https.createServer(tls, (_req, res) => {
    /** @type {Record<string, string | number>} */
    const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length };
    // What the API's request hook adds (src/app.setup.ts), set the cheapest way node:http allows.
    if (withHeaders) Object.assign(headers, fixed, { 'x-request-id': randomUUID(), 'cache-control': 'no-store' });
    res.writeHead(200, headers);
    res.end(BODY);
  });
  server.keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1', () => ready(/** @type {import('node:net').AddressInfo} */ (server.address()).port));
}

async function bare() {
  const app = await NestFactory.create(BareModule, new FastifyAdapter({ https: tls }), { logger: false });
  await app.listen(0, '127.0.0.1');
  ready(app.getHttpServer().address().port);
}

async function api(variant) {
  if (variant !== 'api') {
    const { AppModule } = require('../dist/app.module.js');
    const register = AppModule.register;
    AppModule.register = (...args) => {
      const module = register(...args);
      module.providers = module.providers.filter((provider) => provider.provide !== APP_GUARD);
      return module;
    };
  }
  if (variant === 'api-no-guards-no-headers') securityHeaders.computeSecurityHeaders = () => ({});
  const { createApp } = require('../dist/app.factory.js');
  const { readEnvironment } = require('../dist/config/env.source.js');
  const { NoopRouteModule } = require('./noop-route');
  const { app, config } = await createApp(readEnvironment(), { extraModules: [NoopRouteModule] });
  await app.listen(config.http.port, config.http.host);
  ready(config.http.port);
}

const variant = process.env.INSTR_VARIANT;
const started =
  variant === 'floor' || variant === 'floor-headers'
    ? Promise.resolve(floor(variant === 'floor-headers'))
    : variant === 'bare'
      ? bare()
      : api(variant);
started.catch((error) => {
  console.error(`instructions server (${variant}) failed:`, error);
  process.exit(1);
});
