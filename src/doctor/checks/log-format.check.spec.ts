import { join } from 'node:path';
import { defaultEnvironment } from '../../config/env.source';
import { loadConfig } from '../../config/load-config';
import { runDoctor } from '../doctor';
import { logFormatCheck } from './log-format.check';

const ROOT = join(__dirname, '..', '..', '..');
const DEFAULTS = defaultEnvironment(ROOT) as Record<string, string>;

describe('logFormatCheck', () => {
  it('pretty (the default outside production): one info finding, saying whether security events are JSON anywhere', () => {
    expect(logFormatCheck(loadConfig(DEFAULTS))).toEqual([
      expect.objectContaining({ severity: 'info', finding: expect.stringMatching(/AUDIT_LOG_FILE off.*JSON nowhere/) }),
    ]);
    expect(logFormatCheck(loadConfig({ ...DEFAULTS, AUDIT_LOG_FILE: '/var/log/api/audit.log' }))).toEqual([
      expect.objectContaining({
        finding: expect.stringContaining('still JSON in AUDIT_LOG_FILE (/var/log/api/audit.log)'),
      }),
    ]);
  });

  it('json: nothing to say', () => {
    expect(logFormatCheck(loadConfig({ ...DEFAULTS, LOG_FORMAT: 'json' }))).toEqual([]);
  });

  it('doctor: pretty in production is a high finding naming LOG_FORMAT (the API refuses to start)', () => {
    const findings = runDoctor({ ...DEFAULTS, NODE_ENV: 'production', LOG_FORMAT: 'pretty' }, ROOT);
    expect(findings).toContainEqual(
      expect.objectContaining({ severity: 'high', finding: expect.stringMatching(/LOG_FORMAT: pretty is refused/) }),
    );
    // The refused configuration is reported once: the typed check does not run on it.
    expect(findings.filter((f) => f.finding.startsWith('LOG_FORMAT=pretty'))).toEqual([]);
  });

  it('doctor: the default development setup reports the pretty format as info', () => {
    expect(runDoctor(DEFAULTS, ROOT)).toContainEqual(
      expect.objectContaining({ severity: 'info', finding: expect.stringMatching(/^LOG_FORMAT=pretty/) }),
    );
  });
});
