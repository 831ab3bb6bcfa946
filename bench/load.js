// @ts-check
'use strict';
// Load generator, run by run.js as a child process so that generating load
// never shares the server's event loop (on this 2-core machine the client
// gets one core, the server the other). One job per process:
//   parent -> { type: 'job', job }      child warms up (results discarded)
//   child  -> { type: 'warmed' }        parent resets the server's counters
//   parent -> { type: 'go' }            child runs the measured load
//   child  -> { type: 'result', result }
// autocannon forces rejectUnauthorized: false on its TLS sockets, so these
// connections do not verify the certificate; the bench's other clients
// (readiness, enrollment, login flood, probe) do, against the dev CA.
const autocannon = require('autocannon');

function run(job, seconds, measure) {
  const latencies = [];
  const request = { method: job.method ?? 'GET', path: job.path, headers: job.headers ?? {}, body: job.body };
  if (job.uniqueForwardedFor && measure) {
    // A unique X-Forwarded-For per request, from a trusted proxy's point of
    // view: every request is a new client for the rate limiter. Addresses
    // stay inside 127.0.0.0/8 so that they pass IP_ALLOWLIST and reach the
    // limiter (the allowlist runs first and would refuse others with 403). The
    // warm-up sends none, so it adds no clients before the start reading.
    request.setupRequest = (req) => {
      const n = job.uniqueForwardedFor.first + forwardedCounter++;
      req.headers = { ...req.headers, 'x-forwarded-for': `127.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}` };
      return req;
    };
  }
  const requests = [request];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        servername: 'localhost',
        connections: job.connections,
        pipelining: 1,
        duration: seconds,
        amount: measure ? job.amount : undefined,
        timeout: 30,
        requests,
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies })),
    );
    // autocannon's own histogram keeps whole milliseconds; these response
    // times (float ms from process.hrtime) give sub-millisecond percentiles.
    if (measure) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

let forwardedCounter = 0;

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function execute(job) {
  if (job.warmupSeconds > 0) await run(job, job.warmupSeconds, false);
  process.send({ type: 'warmed' });
  await new Promise((resolve) => process.once('message', resolve));
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const { result, latencies } = await run(job, job.durationSeconds, true);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  process.send({
    type: 'result',
    result: {
      seconds,
      requests: result.requests.total,
      rps: result.requests.total / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
      statusCodes,
      errors: result.errors,
      timeouts: result.timeouts,
      connections: job.connections,
      clientCpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    },
  });
}

process.once('message', (/** @type {any} */ message) => {
  execute(message.job)
    .then(() => process.disconnect())
    .catch((error) => {
      console.error('load generator failed:', error);
      process.exit(1);
    });
});
