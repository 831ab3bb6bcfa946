import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOf, matching, productionEnv, ROOT } from '../../testing/doctor-fixture';
import { auditFileCheck } from './audit-file.check';

describe('auditFileCheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-doctor-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an audit set that cannot fit on its filesystem is a medium finding', () => {
    const audit = {
      AUDIT_LOG_FILE: join(dir, 'audit', 'security.log'),
      AUDIT_LOG_KEEP: '1000',
      AUDIT_LOG_MAX_BYTES: String(2 ** 40),
    };
    const findings = auditFileCheck(configOf({ ...productionEnv(dir), ...audit }), ROOT);
    expect(matching(findings, /AUDIT_LOG_FILE .* may grow to/)).toEqual([
      expect.objectContaining({ severity: 'medium' }),
    ]);
    const small = auditFileCheck(
      configOf({ ...productionEnv(dir), ...audit, AUDIT_LOG_KEEP: '1', AUDIT_LOG_MAX_BYTES: '4096' }),
      ROOT,
    );
    expect(small).toEqual([]);
  });

  it('no audit file: nothing to say', () => {
    expect(auditFileCheck(configOf(productionEnv(dir)), ROOT)).toEqual([]);
  });
});
