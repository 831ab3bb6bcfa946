// @ts-check
'use strict';
// `npm run bench:instructions`: what each layer of a guarded request costs,
// in CPU instructions per request counted by valgrind's callgrind, not in
// seconds. Throughput on a shared 2-core machine drifts by tens of percent
// from one round to the next (docs/performance.md); instruction counts repeat
// whatever else the machine does (within 0.5%, except the guards' share,
// which moves from one process to the next by up to a quarter), so they say where
// the gap between the no-op route and bare Nest goes, which the throughput
// rounds cannot. It does not replace `npm run bench`: the targets are
// throughput ratios, and the kernel's share of a request (the loopback TCP
// and its syscalls, the same for every server here) is not counted, so these
// ratios are lower than the throughput ones.
//
// Each server of bench/instructions-server.js runs in turn under
//   valgrind --tool=callgrind --instr-atstart=no
// (slow, so the counts start only after a warm-up), is loaded by autocannon
// from this process, and is counted twice over the same number of requests.
// The first count of a process still includes V8 compiling its hot code; the
// second is the steady state, and the ratios use it. About 12 minutes.
// Needs valgrind (Debian's package); the servers come from dist/ (npm run build).
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const path = require('node:path');
const autocannon = require('autocannon');
const { enrollUsers } = require('./enroll');
const { apiEnvironment, createFixtures } = require('./fixtures');
const { createClient } = require('./https-client');
const { baseEnvironment, freePort } = require('./servers');

const WARM_UP_REQUESTS = 15_000;
const COUNTED_REQUESTS = 5_000;
const CONNECTIONS = 8;
const START_TIMEOUT_MS = 180_000;

/** Variants in the order they run; `api` first, since it enrolls the user whose token the others carry. */
const VARIANTS = [
  { id: 'api', path: '/bench/noop', label: 'no-op route: the API as it ships' },
  { id: 'api-no-guards', path: '/bench/noop', label: 'no-op route without the three global guards' },
  {
    id: 'api-no-guards-no-headers',
    path: '/bench/noop',
    label: 'no-op route without the guards and helmet’s headers',
  },
  { id: 'bare', path: '/health', label: 'bare Nest route (the denominator)' },
  { id: 'floor', path: '/', label: 'node:https, JSON "ok"' },
  { id: 'floor-headers', path: '/', label: 'node:https plus the headers the API sends' },
];

function requireValgrind() {
  for (const tool of ['valgrind', 'callgrind_control']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      console.error(`${tool} was not found: install Debian's valgrind package (apt-get install valgrind).`);
      process.exit(2);
    }
  }
  if (!existsSync(path.join(__dirname, '..', 'dist', 'main.js'))) {
    console.error('dist/ is missing: run `npm run build` first (npm run bench:instructions does).');
    process.exit(2);
  }
}

const progress = (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

async function startServer(variant, fixtures) {
  const readyFile = path.join(fixtures.dir, `${variant.id}.ready`);
  rmSync(readyFile, { force: true });
  const env = {
    ...baseEnvironment(),
    // callgrind_control finds the process through a FIFO named after its USER
    // and HOST variables: USER stays this process's, HOST is matched in callgrindControl.
    ...(process.env.USER === undefined ? {} : { USER: process.env.USER }),
    ...(variant.id.startsWith('api') ? apiEnvironment(fixtures, 'api', { PORT: String(await freePort()) }) : {}),
    BENCH_TLS_CERT: fixtures.certs.serverCert,
    BENCH_TLS_KEY: fixtures.certs.serverKey,
    INSTR_VARIANT: variant.id,
    INSTR_READY_FILE: readyFile,
  };
  const outFile = path.join(fixtures.dir, `callgrind.${variant.id}.%p.out`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      path.join(__dirname, 'instructions-server.js'),
    ],
    { cwd: fixtures.dir, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null) throw new Error(`${variant.id}: exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`${variant.id}: not listening after ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { port } = JSON.parse(readFileSync(readyFile, 'utf8'));
  return { child, port, pid: child.pid, host: env.HOST };
}

function load(port, requestPath, token, amount) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `https://127.0.0.1:${port}${requestPath}`,
        servername: 'localhost',
        connections: CONNECTIONS,
        amount,
        timeout: 60,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (error, result) => {
        if (error) reject(error);
        else if (result.non2xx || result.errors || result.timeouts)
          reject(
            new Error(`${requestPath}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`),
          );
        else resolve(result);
      },
    );
  });
}

/** One callgrind_control command (--instr=on, --zero, --dump, …) to the server's process. */
function callgrindControl(server, args) {
  // vgdb names its FIFOs after the USER and HOST variables of the process it
  // talks to, and the API's configuration sets HOST: both sides must agree.
  const env = { ...process.env };
  if (server.host === undefined) delete env.HOST;
  else env.HOST = server.host;
  const control = spawn('callgrind_control', [...args, String(server.pid)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  control.stdout.on('data', (chunk) => (output += chunk));
  control.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    control.once('error', reject);
    control.once('exit', (code) => {
      // It exits 0, and may even print "OK.", when it did not reach the process.
      if (code === 0 && /\bOK\./.test(output) && !/error opening/.test(output)) resolve(undefined);
      else reject(new Error(`callgrind_control ${args.join(' ')} ${server.pid} (exit ${code}): ${output.trim()}`));
    });
  });
}

/** Instructions counted since the last zero, read from the newest dump of that process. */
function dumpedInstructions(dir, variantId, pid) {
  const prefix = `callgrind.${variantId}.${pid}.out.`;
  const dumps = readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  if (dumps.length === 0) throw new Error(`${variantId}: callgrind wrote no dump (${readdirSync(dir).join(', ')})`);
  const text = readFileSync(path.join(dir, dumps[dumps.length - 1]), 'utf8');
  const match = /^(?:summary|totals): (\d+)/m.exec(text);
  if (!match) throw new Error(`${variantId}: no instruction total in ${dumps[dumps.length - 1]}`);
  return Number(match[1]);
}

async function measure(variant, fixtures, token) {
  progress(`${variant.id}: starting under callgrind`);
  const server = await startServer(variant, fixtures);
  try {
    let accessToken = token;
    if (variant.id === 'api') {
      const client = createClient({ port: server.port, ca: fixtures.ca, maxSockets: 1 });
      [{ accessToken }] = await enrollUsers(client, 1, 1);
      client.close();
    }
    const counts = [];
    for (let run = 1; run <= 2; run++) {
      progress(
        `${variant.id}: count ${run}/2 (${WARM_UP_REQUESTS} warm-up requests, then ${COUNTED_REQUESTS} counted)`,
      );
      await load(server.port, variant.path, accessToken, WARM_UP_REQUESTS);
      await callgrindControl(server, ['--instr=on']);
      await callgrindControl(server, ['--zero']);
      await load(server.port, variant.path, accessToken, COUNTED_REQUESTS);
      await callgrindControl(server, ['--dump=counted']);
      await callgrindControl(server, ['--instr=off']);
      counts.push(Math.round(dumpedInstructions(fixtures.dir, variant.id, server.pid) / COUNTED_REQUESTS));
    }
    return { counts, accessToken };
  } finally {
    server.child.kill('SIGKILL');
  }
}

async function main() {
  requireValgrind();
  const fixtures = await createFixtures('nest-2fa-instructions-');
  const results = [];
  try {
    let token;
    for (const variant of VARIANTS) {
      const { counts, accessToken } = await measure(variant, fixtures, token);
      token ??= accessToken;
      results.push({ ...variant, counts });
    }
  } finally {
    rmSync(fixtures.dir, { recursive: true, force: true });
  }
  const bare = results.find((r) => r.id === 'bare').counts[1];
  const format = (n) => n.toLocaleString('en-US');
  console.log(
    `\nInstructions per request (callgrind), node ${process.version}, ${COUNTED_REQUESTS} counted requests ` +
      `after ${WARM_UP_REQUESTS} warm-up, ${CONNECTIONS} keep-alive HTTPS connections. User space only.\n`,
  );
  console.log('| server | path | count 1 | count 2 (steady) | bare ÷ this |');
  console.log('|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.label} | ${r.path} | ${format(r.counts[0])} | ${format(r.counts[1])} | ${(bare / r.counts[1]).toFixed(3)} |`,
    );
  const byId = Object.fromEntries(results.map((r) => [r.id, r.counts[1]]));
  console.log('\nWhat each layer adds to one request (count 2):');
  console.log(`  the three global guards             ${format(byId.api - byId['api-no-guards'])}`);
  console.log(
    `  helmet's headers (in the API)       ${format(byId['api-no-guards'] - byId['api-no-guards-no-headers'])}`,
  );
  console.log(`  the same headers in node:https      ${format(byId['floor-headers'] - byId.floor)}`);
  console.log(`  the rest of the API around a route  ${format(byId['api-no-guards-no-headers'] - bare)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
