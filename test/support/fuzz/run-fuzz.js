'use strict';
// `npm run fuzz -- --runs N [--seed S]`: the contract fuzz
// (test/contract-fuzz.e2e-spec.ts) for N generated requests instead of the
// few hundred `npm test` runs. Without --seed the seed is new each time and
// printed first; a failure prints it again with fast-check's path and the
// shrunk counterexample, and `--seed S` replays the same sequence. With
// DATABASE_URL_TEST and REDIS_URL_TEST set (and TEST_DATABASE_PREFIX), the
// fuzzed app runs on PostgreSQL and Redis, as in `npm run test:distributed`.
const { spawnSync } = require('node:child_process');
const { randomInt } = require('node:crypto');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (!/^\d+$/.test(value ?? '')) {
    console.error(`--${name} needs a whole number`);
    process.exit(2);
  }
  return value;
}

const runs = option('runs') ?? '5000';
const seed = option('seed') ?? String(randomInt(2 ** 31));
const reportDir = mkdtempSync(join(tmpdir(), 'contract-fuzz-'));
const report = join(reportDir, 'report');
console.log(`contract fuzz: ${runs} runs, seed ${seed} (replay: npm run fuzz -- --runs ${runs} --seed ${seed})`);

const started = Date.now();
const jest = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), '--runInBand', '--selectProjects', 'e2e', '--', 'test/contract-fuzz.e2e-spec.ts'],
  { stdio: 'inherit', cwd: join(__dirname, '..', '..', '..'), env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed, FUZZ_REPORT: report } },
);

for (const part of ['relaxed', 'limited']) {
  const file = `${report}.${part}.json`;
  if (!existsSync(file)) continue;
  const { requests, byStatus, bankFullLogins } = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`${part}: ${requests} requests, statuses ${JSON.stringify(byStatus)}, ${bankFullLogins} full logins by the token bank`);
}
console.log(`seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s, ${jest.status === 0 ? 'no property broken' : 'FAILED (see above)'}`);
rmSync(reportDir, { recursive: true, force: true });
process.exit(jest.status ?? 1);
