import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOf, defaults, matching, productionEnv, ROOT } from '../../testing/doctor-fixture';
import { secretsCheck } from './secrets.check';

describe('secretsCheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-doctor-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an APP_SECRET rotation in progress points to secrets:reseal (info, not a problem)', () => {
    const findings = secretsCheck(
      configOf({ ...productionEnv(dir), APP_SECRET_PREVIOUS: randomBytes(48).toString('base64url') }),
      ROOT,
    );
    expect(matching(findings, /APP_SECRET_PREVIOUS is set/)).toEqual([
      expect.objectContaining({ severity: 'info', fix: expect.stringMatching(/secrets:reseal/) }),
    ]);
    expect(matching(secretsCheck(configOf(productionEnv(dir)), ROOT), /APP_SECRET_PREVIOUS/)).toEqual([]);
  });

  it('outside production: a generated dev secret is low; a placeholder-looking one is medium', () => {
    expect(secretsCheck(configOf(defaults()), ROOT)).toEqual([
      expect.objectContaining({ severity: 'low', finding: expect.stringMatching(/^APP_SECRET is not set/) }),
    ]);
    const placeholder = secretsCheck(
      configOf({ ...defaults(), APP_SECRET: 'change-me-change-me-change-me-change-me' }),
      ROOT,
    );
    expect(placeholder).toEqual([
      expect.objectContaining({ severity: 'medium', finding: 'APP_SECRET looks like a placeholder value.' }),
    ]);
  });

  it('the generated development secret reused in production: high', () => {
    const production = productionEnv(dir);
    mkdirSync(production.DEV_SECRETS_DIR, { recursive: true });
    writeFileSync(join(production.DEV_SECRETS_DIR, 'app-secret'), `${production.APP_SECRET}\n`, { mode: 0o600 });
    expect(matching(secretsCheck(configOf(production), ROOT), /is the generated development secret/)).toEqual([
      expect.objectContaining({ severity: 'high' }),
    ]);
    expect(secretsCheck(configOf(productionEnv(dir)), ROOT)).toEqual([]);
  });
});
