import { readEnvironment } from '../config/env.source';
import { runDoctor } from './doctor';
import { type Finding, hasHighFinding } from './finding';

/** Severity, finding, fix: wrapped to the terminal (or 100 columns). */
export function formatFindings(findings: Finding[], width = 100): string {
  if (findings.length === 0) return 'No findings.';
  const severityWidth = 8;
  const textWidth = Math.max(30, width - severityWidth - 2);
  const lines: string[] = [
    `${'SEVERITY'.padEnd(severityWidth)}  FINDING / FIX`,
    `${'-'.repeat(severityWidth)}  ${'-'.repeat(textWidth)}`,
  ];
  for (const f of findings) {
    const body = [...wrap(f.finding, textWidth), ...wrap(`fix: ${f.fix}`, textWidth)];
    body.forEach((line, i) =>
      lines.push(`${(i === 0 ? f.severity.toUpperCase() : '').padEnd(severityWidth)}  ${line}`),
    );
  }
  const counts = (['high', 'medium', 'low', 'info'] as const).map(
    (s) => `${findings.filter((f) => f.severity === s).length} ${s}`,
  );
  lines.push('', counts.join(', '));
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** `npm run doctor`: prints the findings; exit code 1 when any is high. */
export function main(): number {
  const findings = runDoctor(readEnvironment());
  process.stdout.write(`${formatFindings(findings, process.stdout.columns || 100)}\n`);
  return hasHighFinding(findings) ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    // runDoctor never throws; this is the last resort for a bug in the doctor itself.
    process.stderr.write(`doctor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
