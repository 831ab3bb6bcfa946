// @ts-check
'use strict';
// Turns the rounds into the printed table and the target verdicts.
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
/** Rates under 1,000 keep a decimal: logins and hashes per second are small numbers. */
const rate = (value) => (Number.isFinite(value) && value < 1000 ? fixed(value, 1) : int(value));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median with its spread, the shape every figure of the run is printed in. */
function spread(values) {
  const finite = values.filter(Number.isFinite);
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), values };
}

const spreadText = (s, format = rate) => `${format(s.min)}–${format(s.max)}`;

function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * CPU used on this machine by neither the server nor the load generator
 * (other sessions, this orchestrator, the kernel's share not charged to
 * either): high values mean the scenario competed for the 2 cores.
 */
function otherCpu(row) {
  if (!row.server || !Number.isFinite(row.server.machineCpuCores)) return NaN;
  return Math.max(0, row.server.machineCpuCores - row.server.cpuCores - (row.clientCpuCores ?? 0));
}

/** One row per scenario that ran: the median rate of its rounds, and their spread. */
function scenarioTable(rows, bare) {
  const header = [
    'scenario',
    'unit',
    'median',
    'spread (min–max)',
    'p50 ms',
    'p99 ms',
    'peak RSS MiB',
    '× bare Nest',
    'per CPU-s',
    'work CPU',
    'client CPU',
    'other CPU',
    'responses',
  ];
  return markdownTable(
    header,
    rows.map((row) => [
      row.label,
      row.unit,
      rate(row.rate.median),
      spreadText(row.rate),
      fixed(row.p50Ms, 2),
      fixed(row.p99Ms, 2),
      row.server ? mib(row.server.peakRss) : '–',
      bare && row.unit === 'req/s' ? fixed(row.rate.median / bare.rate.median, 3) : '–',
      rate(row.cpuRate.median),
      cores(row.workCpuCores),
      cores(row.clientCpuCores),
      cores(otherCpu(row)),
      row.statusCodes ? statuses(row.statusCodes) : '–',
    ]),
  );
}

/**
 * `numerator` over `denominator` round by round (the two measured minutes
 * apart at most, so the machine's drift falls on both alike), as a median
 * with its spread; null when either did not run.
 */
function roundRatio(rounds, numerator, denominator, field = 'rate') {
  const a = rounds[numerator];
  const b = rounds[denominator];
  if (!a?.length || !b?.length) return null;
  const values = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) values.push(a[i][field] / b[i][field]);
  return spread(values);
}

/**
 * Every ratio target the run can judge. `of` is the numerator row,
 * `per` the denominator row, both ids of scenarios in `rounds`.
 */
function evaluateRatioTargets(rounds, definitions) {
  return definitions.map((d) => {
    const value = roundRatio(rounds, d.of, d.per);
    // The same ratio per CPU-second of the process doing the work: what one
    // request costs against what one verification or hash costs. On a
    // machine shared with other work the two sides get unequal CPU shares
    // (a one-process reference against a server plus its load generator), so
    // this is the cross-check; the verdict stays on the throughput ratio.
    const perCpu = roundRatio(rounds, d.of, d.per, 'cpuRate');
    return { ...d, value, perCpu, ok: value === null ? null : value.median >= d.threshold };
  });
}

function verdict(ok) {
  return ok === null ? 'n/a ' : ok ? 'PASS' : 'MISS';
}

function targetLines(targets) {
  return targets.map((t) => {
    const figure =
      t.value === null
        ? 'not measured'
        : `${fixed(t.value.median, 3)} (rounds ${t.value.values.map((v) => fixed(v, 2)).join(' / ')}; target ≥ ${t.threshold}); ` +
          `per CPU-second ${fixed(t.perCpu.median, 3)} (${spreadText(t.perCpu, (v) => fixed(v, 2))})`;
    return `  ${verdict(t.ok)}  ${t.target}: ${figure}`;
  });
}

module.exports = {
  MIB,
  fixed,
  int,
  mib,
  cores,
  rate,
  statuses,
  median,
  spread,
  spreadText,
  otherCpu,
  scenarioTable,
  roundRatio,
  evaluateRatioTargets,
  verdict,
  targetLines,
};
