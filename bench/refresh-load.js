// @ts-check
'use strict';
// Refresh flood: one chain per refresh token given, each POST /auth/refresh
// with the chain's latest token, then the next with the token it returned
// (a refresh token is single use: presenting a rotated one again would end
// the session as stolen). Chains run side by side for `seconds`; a refresh
// counts only if it returns 200 and a new refresh token. The chains' last
// tokens go back to run.js for the next round.
// Child process of run.js: { type: 'job', job } in, { type: 'result', result } out.
const { createClient } = require('./https-client');
const { answerOneJob } = require('./one-job');

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function flood({ port, ca, refreshTokens, seconds }) {
  const client = createClient({ port, ca, maxSockets: refreshTokens.length });
  const tokens = [...refreshTokens];
  const latencies = [];
  const failures = {};
  let refreshes = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  const chain = async (i) => {
    while (tokens[i] && Date.now() < deadline) {
      const t0 = process.hrtime.bigint();
      try {
        const res = await client.post('/auth/refresh', { body: { refreshToken: tokens[i] } });
        if (res.status !== 200 || typeof res.body?.refreshToken !== 'string') {
          failures[res.status] = (failures[res.status] ?? 0) + 1;
          // That token is spent or refused either way: the chain ends.
          tokens[i] = null;
          continue;
        }
        tokens[i] = res.body.refreshToken;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        refreshes++;
      } catch (error) {
        failures[`error ${error.code ?? error.message}`] = (failures[`error ${error.code ?? error.message}`] ?? 0) + 1;
        tokens[i] = null;
      }
    }
  };
  const cpuBefore = process.cpuUsage();
  await Promise.all(tokens.map((_, i) => chain(i)));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  client.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    refreshes,
    seconds: elapsed,
    rate: refreshes / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    failures,
    refreshTokens: tokens,
    clientCpuCores: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

answerOneJob('refresh flood', flood);
