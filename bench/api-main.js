// @ts-check
'use strict';
// How the bench starts the API: what dist/main.js does (createApp from the
// process environment, then listen), plus the bench's own no-op controller
// (bench/noop-route.js) mounted next to the app's modules through
// createApp's `extraModules`, so nothing bench-only ships in dist/main.js.
// Forked by bench/servers.js with an IPC channel, over which run.js may ask:
//   { type: 'profile:start' } / { type: 'profile:stop', file }  a V8 CPU profile
//     per scenario (`--profile`; node --cpu-prof would write one profile, and
//     only at a clean exit, which Nest's SIGTERM handling does not give);
//   { type: 'gc' }  one full GC, when started with --expose-gc (limiter memory).
// Each answers { type: `${type}:done` }.
require('reflect-metadata');
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { createApp } = require('../dist/app.factory.js');
const { restrictNewFilesToOwner } = require('../dist/common/owner-only-files.js');
const { readEnvironment } = require('../dist/config/env.source.js');
const { NoopRouteModule } = require('./noop-route');

/** @type {inspector.Session | null} */
let session = null;
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );

async function handle(message) {
  if (message.type === 'profile:start') {
    if (!session) {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 250 });
    }
    await post('Profiler.start');
    return {};
  }
  if (message.type === 'profile:stop') {
    const { profile } = await post('Profiler.stop');
    writeFileSync(message.file, JSON.stringify(profile));
    return {};
  }
  if (message.type === 'gc') {
    global.gc?.();
    return { collected: typeof global.gc === 'function', heapUsed: process.memoryUsage().heapUsed };
  }
  return null;
}

process.on('message', (/** @type {any} */ message) => {
  handle(message).then(
    (reply) => reply && process.send({ type: `${message.type}:done`, ...reply }),
    (error) => process.send({ type: `${message.type}:done`, error: String(error) }),
  );
});
// The bench keeps no handle on a server it lost (a crashed run.js): without
// its parent the API stops, and no bench server outlives the run.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

async function main() {
  restrictNewFilesToOwner();
  const { app, config } = await createApp(readEnvironment(), { extraModules: [NoopRouteModule] });
  await app.listen(config.http.port, config.http.host);
}

main().catch((error) => {
  console.error('Startup failed:', error);
  process.exit(1);
});
