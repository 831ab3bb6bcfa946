// @ts-check
'use strict';
// Turns the measurements into the printed table and the target verdicts.
// Targets are reported as PASS/MISS next to the figures and never fail the
// command: these machines are noisy, and a benchmark that gates a build on a
// timing would gate it on noise.

const MIB = 1024 * 1024;

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
const mib = (bytes) => fixed(bytes / MIB, 0);
const cores = (value) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : 'n/a');
const statuses = (codes = {}) =>
  Object.entries(codes)
    .map(([code, count]) => `${code}×${count}`)
    .join(' ') || 'none';

function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The main table: one row per scenario that ran, in the order given. */
function scenarioTable(rows, bareRps) {
  const header = [
    'scenario',
    'what it measures',
    'req/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MiB',
    '× bare Nest',
    'server CPU',
    'client CPU',
    'other CPU',
    'responses',
  ];
  return markdownTable(
    header,
    rows.map((row) => [
      row.label,
      row.measures,
      row.unit === 'logins/s' ? `${fixed(row.rps, 1)} logins/s` : int(row.rps),
      fixed(row.p50Ms, 2),
      fixed(row.p99Ms, 2),
      mib(row.server?.peakRss),
      bareRps ? fixed(row.rps / bareRps, 3) : 'n/a',
      cores(row.server?.cpuCores),
      cores(row.clientCpuCores),
      cores(otherCpu(row)),
      statuses(row.statusCodes),
    ]),
  );
}

/**
 * CPU used on this machine by neither the server nor the load generator
 * (other sessions, this orchestrator, the kernel's share not charged to
 * either): high values mean the scenario competed for the 2 cores.
 */
function otherCpu(row) {
  if (!row.server || !Number.isFinite(row.server.machineCpuCores)) return NaN;
  return Math.max(
    0,
    row.server.machineCpuCores - row.server.cpuCores - (row.clientCpuCores ?? 0) - (row.extraCpuCores ?? 0),
  );
}

function verdict(ok) {
  return ok === null ? 'n/a ' : ok ? 'PASS' : 'MISS';
}

/** Each target with its figure; `ok` is null when a scenario it needs did not run. */
function evaluateTargets({ floor, bare, me, meBad, limiter }) {
  const ratio = (a, b) => (a && b && a.rps > 0 && b.rps > 0 ? a.rps / b.rps : null);
  const targets = [];
  const meBare = ratio(me, bare);
  targets.push({
    id: 'me-vs-bare',
    target: 'GET /auth/me (full stack) ≥ 0.75 × bare Nest',
    value: meBare,
    threshold: 0.75,
  });
  const meFloor = ratio(me, floor);
  targets.push({
    id: 'me-vs-floor',
    target: 'GET /auth/me (full stack) ≥ 0.5 × node:https floor',
    value: meFloor,
    threshold: 0.5,
  });
  const badMe = ratio(meBad, me);
  targets.push({ id: 'bad-vs-me', target: 'bad-token path ≥ 0.5 × success path', value: badMe, threshold: 0.5 });
  for (const t of targets) /** @type {any} */ (t).ok = t.value === null ? null : t.value >= t.threshold;
  const tolerance = limiter?.toleranceMiB ?? 100;
  const after = limiter ? (limiter.settled.returned ?? limiter.settled.last) : null;
  const growthAt = (reading) => (reading.rss - limiter.startRss) / MIB;
  targets.push({
    id: 'limiter-memory',
    target: `limiter: ${limiter ? int(limiter.clients) : '200,000'} client addresses leave RSS within ${tolerance} MiB of its start once the window passed`,
    value: after ? growthAt(after) : null,
    threshold: tolerance,
    unit: 'MiB',
    secondsAfterFlood: after?.secondsAfterFlood ?? null,
    firstReading: limiter
      ? { growthMiB: growthAt(limiter.settled.first), secondsAfterFlood: limiter.settled.first.secondsAfterFlood }
      : null,
    ok: limiter ? limiter.settled.returned !== null : null,
  });
  return targets;
}

function targetLines(targets) {
  return targets.map((t) => {
    const figure =
      t.value === null
        ? 'not measured'
        : t.unit === 'MiB'
          ? `${fixed(t.value, 1)} MiB above start ${fixed(t.secondsAfterFlood, 0)} s after the flood (limit ${t.threshold}` +
            (t.secondsAfterFlood > t.firstReading.secondsAfterFlood
              ? `; ${fixed(t.firstReading.growthMiB, 1)} MiB at ${fixed(t.firstReading.secondsAfterFlood, 0)} s, before V8 collected)`
              : ')')
          : `${fixed(t.value, 3)} (target ${t.threshold})`;
    return `  ${verdict(t.ok)}  ${t.target}: ${figure}`;
  });
}

module.exports = { otherCpu, MIB, fixed, int, mib, cores, statuses, scenarioTable, evaluateTargets, targetLines };
