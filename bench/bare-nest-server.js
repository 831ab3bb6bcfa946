// @ts-check
'use strict';
// What the framework alone costs: Nest 12 on Fastify with one controller and
// nothing else (no guards, pipes, filters, helmet or hooks), the same TLS
// options as the API, answering GET /health with {"status":"ok"}. The gap
// between this and the floor is Nest + Fastify; the gap between this and the
// API's /health is the API's own request pipeline.
require('reflect-metadata');
const { readFileSync } = require('node:fs');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { runtimeKeyExchangeGroups } = require('../dist/tls/key-exchange-groups.js');
const { buildTlsOptions } = require('../dist/tls/tls-options.js');
const { BareModule } = require('./bare-module');

async function main() {
  /** @type {any} buildTlsOptions is typed for node:https, which Fastify's options match at run time. */
  const https = buildTlsOptions(
    readFileSync(process.env.BENCH_TLS_CERT),
    readFileSync(process.env.BENCH_TLS_KEY),
    runtimeKeyExchangeGroups().groups,
  );
  const app = await NestFactory.create(BareModule, new FastifyAdapter({ https }), { logger: false });
  await app.listen(0, '127.0.0.1');
  process.send({ ready: true, port: app.getHttpServer().address().port });
  process.on('message', (message) => {
    if (message === 'stop') app.close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error) => {
  console.error('bare Nest server failed:', error);
  process.exit(1);
});
