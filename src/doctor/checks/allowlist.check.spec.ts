import { configOf, defaults, productionEnv } from '../../testing/doctor-fixture';
import { allowlistCheck } from './allowlist.check';

describe('allowlistCheck', () => {
  it('an allowlist open to everyone: medium', () => {
    const findings = allowlistCheck(configOf({ ...productionEnv('/srv/app'), IP_ALLOWLIST: '0.0.0.0/0,::/0' }));
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'medium', finding: expect.stringMatching(/IP_ALLOWLIST lets everyone in/) }),
    ]);
  });

  it('a narrow list, or the development default (loopback): nothing to say', () => {
    expect(allowlistCheck(configOf(productionEnv('/srv/app')))).toEqual([]);
    expect(allowlistCheck(configOf(defaults()))).toEqual([]);
  });
});
