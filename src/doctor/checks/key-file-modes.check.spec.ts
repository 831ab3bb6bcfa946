import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesFor, matching, type ProductionFixture, productionFixture, ROOT } from '../../testing/doctor-fixture';
import { keyFileModesCheck } from './key-file-modes.check';

describe('keyFileModesCheck', () => {
  let fixture: ProductionFixture;
  beforeAll(async () => {
    fixture = await productionFixture();
  });
  afterAll(() => fixture.remove());

  const openCopy = (variable: string, production: Record<string, string>) => {
    const file = join(fixture.dir, `open-${variable}.pem`);
    copyFileSync(production[variable], file);
    chmodSync(file, 0o644);
    return file;
  };

  it.each(['JWT_PRIVATE_KEY_FILE', 'TLS_KEY_FILE'])(
    'a %s others can read: high in production, with chmod 600 as the fix',
    (variable) => {
      const production = fixture.production();
      const file = openCopy(variable, production);
      const findings = keyFileModesCheck(filesFor({ ...production, [variable]: file }), ROOT);
      expect(matching(findings, new RegExp(`^${variable} `))).toEqual([
        expect.objectContaining({
          severity: 'high',
          finding: expect.stringContaining('(mode 0644)'),
          fix: expect.stringContaining(`chmod 600 ${file}`),
        }),
      ]);
    },
  );

  it('outside production the same key is low (production would refuse it)', () => {
    const production = fixture.production();
    const file = openCopy('TLS_KEY_FILE', production);
    const findings = keyFileModesCheck(
      filesFor({ ...production, NODE_ENV: 'development', TLS_KEY_FILE: file, JWT_PRIVATE_KEY_FILE: '' }),
      ROOT,
    );
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'low', finding: expect.stringContaining('production would refuse it') }),
    ]);
  });

  it('the keys of the fixture (0600): nothing to say', () => {
    expect(keyFileModesCheck(filesFor(fixture.production()), ROOT)).toEqual([]);
  });
});
