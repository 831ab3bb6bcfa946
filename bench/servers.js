// @ts-check
'use strict';
// Starting and stopping the processes under test. Each server is its own
// process, so its memory and CPU can be read from /proc without the load
// generator or this orchestrator in the figures.
const { fork } = require('node:child_process');
const { openSync, closeSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { createClient } = require('./https-client');

const ROOT = path.resolve(__dirname, '..');

/**
 * The servers get only these variables from the caller's environment plus
 * what the bench sets: a REDIS_URL, NODE_OPTIONS or RATE_LIMIT_* exported in
 * a developer's shell must not change what is measured.
 */
function baseEnvironment() {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]));
}
const START_TIMEOUT_MS = 30_000;

/** A port free right now (the API takes its port from the environment, not 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function onceExited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await onceExited(child);
  clearTimeout(killer);
}

/** floor-server.js / bare-nest-server.js: they report their port over IPC. */
function startHelperServer(name, script, env) {
  const child = fork(path.join(__dirname, script), [], {
    env: { ...baseEnvironment(), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: not ready after ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    child.once('exit', (code) => reject(new Error(`${name}: exited with ${code} before it was ready`)));
    child.once('message', (/** @type {any} */ message) => {
      clearTimeout(timer);
      resolve({ name, pid: child.pid, port: message.port, child, stop: () => stopChild(child) });
    });
  });
}

/**
 * The API as dist/main.js would start it, through bench/api-main.js (which
 * adds the bench's no-op route and answers profiling and GC requests over
 * IPC), configured only through its environment (cwd is the bench's temp
 * dir, so a developer's .env cannot leak in). It logs nothing at
 * LOG_LEVEL=error when all is well, so readiness is polled on GET /health
 * with the dev CA.
 */
async function startApi(name, { env, cwd, ca, logFile, profile = false, exposeGc = false }) {
  const port = await freePort();
  const log = openSync(logFile, 'a');
  const child = fork(path.join(__dirname, 'api-main.js'), [], {
    cwd,
    // JSON lines whatever the row says: pretty printing would be measured too.
    env: { ...baseEnvironment(), ...env, LOG_FORMAT: 'json', PORT: String(port) },
    stdio: ['ignore', log, log, 'ipc'],
    execArgv: exposeGc ? ['--expose-gc'] : [],
  });
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));

  const client = createClient({ port, ca, maxSockets: 1 });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (exited) throw new Error(`${name}: exited with ${child.exitCode} during startup (see ${logFile})`);
      if (Date.now() > deadline) throw new Error(`${name}: not ready after ${START_TIMEOUT_MS} ms`);
      try {
        const res = await client.get('/health', { timeoutMs: 2_000 });
        if (res.status === 200) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    client.close();
  }
  return { name, pid: child.pid, port, child, logFile, profiled: profile, stop: () => stopChild(child) };
}

module.exports = { ROOT, baseEnvironment, freePort, startHelperServer, startApi, onceExited };
