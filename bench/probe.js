// @ts-check
'use strict';
// Event-loop responsiveness, seen from outside: one GET /health every
// `intervalMs`, on a schedule that does not wait for earlier answers (a slow
// answer cannot hide the ones behind it, unlike a closed-loop load tool), so
// the p99 shows how long an ordinary request waits while the server is busy
// with something else, e.g. a login flood. Child process of run.js:
// { type: 'job', job } in, { type: 'result', result } out.
const { createClient } = require('./https-client');
const { answerOneJob } = require('./one-job');

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function probe({ port, ca, intervalMs, seconds }) {
  const client = createClient({ port, ca, maxSockets: 64 });
  // Opens the first connection (TLS handshake) before timing starts.
  await client.get('/health');
  const latencies = [];
  const statusCodes = {};
  let errors = 0;
  const pending = [];
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  let next = started;
  while (next < started + seconds * 1000) {
    const sentAt = process.hrtime.bigint();
    pending.push(
      client.get('/health').then(
        (res) => {
          latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
          statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
        },
        () => errors++,
      ),
    );
    next += intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  await Promise.all(pending);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedSeconds = (Date.now() - started) / 1000;
  client.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    intervalMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    statusCodes,
    errors,
    clientCpuCores: (cpu.user + cpu.system) / 1e6 / elapsedSeconds,
  };
}

answerOneJob('probe', probe);
