// @ts-check
'use strict';
// Memory and CPU of another process, read from /proc (Linux). The server's
// figures must come from outside it: instrumenting the server would change
// what is measured.
const { readFileSync, writeFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

const KIB = 1024;
let clockTicks;

function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** VmRSS (resident now) and VmHWM (peak resident since start or last reset), in bytes. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * KIB : NaN;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux >= 4.0),
 * so the next reading is the peak of one scenario, not of the process's life.
 * Returns false where that is not permitted; the poller below still works.
 */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU time of the process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/**
 * CPU time used by everything on the machine (all cores, /proc/stat), in
 * seconds. Other sessions may share this machine: what the server and the
 * load generator did not use of this is someone else's, and a scenario that
 * ran beside a busy neighbour is flagged instead of silently believed.
 */
function systemBusySeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
}

/**
 * Tracks one process over a measurement: peak RSS (VmHWM after a reset, and
 * a 100 ms VmRSS poll as a fallback where the reset is refused) and CPU use.
 */
function startWatch(pid) {
  const peakResettable = resetPeak(pid);
  const start = {
    at: process.hrtime.bigint(),
    cpu: cpuSeconds(pid),
    system: systemBusySeconds(),
    rss: memory(pid).rss,
  };
  let polledPeak = start.rss;
  const timer = setInterval(() => {
    try {
      polledPeak = Math.max(polledPeak, memory(pid).rss);
    } catch {
      /* the process ended: stop() reports what was seen */
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const { rss, hwm } = memory(pid);
      const seconds = Number(process.hrtime.bigint() - start.at) / 1e9;
      return {
        startRss: start.rss,
        endRss: rss,
        peakRss: peakResettable ? Math.max(hwm, polledPeak) : Math.max(rss, polledPeak),
        // Share of one core: 2.0 would be both cores of this machine.
        cpuCores: (cpuSeconds(pid) - start.cpu) / seconds,
        machineCpuCores: (systemBusySeconds() - start.system) / seconds,
      };
    },
  };
}

module.exports = { memory, resetPeak, cpuSeconds, systemBusySeconds, startWatch };
