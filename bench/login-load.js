// @ts-check
'use strict';
// Login flood: `concurrency` complete two-step logins at a time, each
// POST /auth/login (password, argon2id on the server) then
// POST /auth/2fa/verify (TOTP computed by bench/totp.js), for `seconds`.
// A login counts only if both steps return 200 and an access token.
//
// Replay protection shapes the schedule: a user's code is accepted once per
// 30 s step, only for steps after the last accepted one, and only within
// the server's window (current step ± 1). Each pick therefore takes a user
// not already mid-login with a step in [current, current + 1] after its
// last used step (about two logins per user per step); if none is left the
// flood ends early and says so, rather than sending codes that must fail.
// Child process of run.js: { type: 'job', job } in, { type: 'result', result } out.
const { createClient } = require('./https-client');
const { currentStep, totpAt } = require('./totp');
const { answerOneJob } = require('./one-job');

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

async function flood({ port, ca, users, concurrency, seconds }) {
  const client = createClient({ port, ca, maxSockets: concurrency });
  const pool = users.map((user) => ({ ...user, busy: false }));
  let cursor = 0;
  const pick = () => {
    const now = currentStep();
    for (let k = 0; k < pool.length; k++) {
      const user = pool[(cursor + k) % pool.length];
      if (user.busy) continue;
      const step = Math.max(user.lastStep + 1, now);
      if (step <= now + 1) {
        cursor = (cursor + k + 1) % pool.length;
        return { user, step };
      }
    }
    return null;
  };

  const full = [];
  const password = [];
  const verify = [];
  const failures = {};
  let logins = 0;
  let exhaustedAt = null;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
  const fail = (what) => (failures[what] = (failures[what] ?? 0) + 1);

  const worker = async () => {
    while (Date.now() < deadline) {
      const slot = pick();
      if (!slot) {
        // Nobody mid-login and nobody with a usable step: only the next 30 s step
        // would free more, which is longer than a scenario.
        if (pool.every((user) => !user.busy)) exhaustedAt ??= ms(started);
        if (exhaustedAt !== null) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const { user, step } = slot;
      user.busy = true;
      // Spent whatever happens: a code the server may have seen is never sent again.
      user.lastStep = step;
      try {
        const t0 = process.hrtime.bigint();
        const first = await client.post('/auth/login', { body: { username: user.username, password: user.password } });
        if (first.status !== 200) {
          fail(`login ${first.status}`);
          continue;
        }
        const t1 = process.hrtime.bigint();
        const second = await client.post('/auth/2fa/verify', {
          token: first.body.preAuthToken,
          body: { code: await totpAt(user.secret, step) },
        });
        if (second.status !== 200 || typeof second.body?.accessToken !== 'string') {
          fail(`verify ${second.status}`);
          continue;
        }
        password.push(Number(t1 - t0) / 1e6);
        verify.push(ms(t1));
        full.push(ms(t0));
        logins++;
      } catch (error) {
        fail(`error ${error.code ?? error.message}`);
      } finally {
        user.busy = false;
      }
    }
  };
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = ms(started);
  const cpu = process.cpuUsage(cpuBefore);
  client.close();
  return {
    logins,
    seconds: elapsedMs / 1000,
    loginsPerSecond: logins / (elapsedMs / 1000),
    concurrency,
    users: users.length,
    full: summary(full),
    passwordStep: summary(password),
    verifyStep: summary(verify),
    failures,
    poolExhaustedAfterSeconds: exhaustedAt === null ? null : Number(exhaustedAt) / 1000,
    // Every step spent, by user: the next round (a new process) must not send them again.
    lastSteps: pool.map((user) => user.lastStep),
    clientCpuCores: (cpu.user + cpu.system) / 1e6 / (elapsedMs / 1000),
  };
}

answerOneJob('login flood', flood);
