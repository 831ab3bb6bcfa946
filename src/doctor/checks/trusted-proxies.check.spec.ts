import { configOf, productionEnv } from '../../testing/doctor-fixture';
import { trustedProxiesCheck } from './trusted-proxies.check';

describe('trustedProxiesCheck', () => {
  it('entries wider than /16 (IPv4) or /48 (IPv6): medium, one each', () => {
    const findings = trustedProxiesCheck(
      configOf({ ...productionEnv('/srv/app'), TRUSTED_PROXIES: '10.0.0.0/8,2001:db8::/32,10.1.0.0/16' }),
    );
    expect(findings.map((f) => [f.severity, f.finding])).toEqual([
      ['medium', expect.stringMatching(/^TRUSTED_PROXIES entry 10\.0\.0\.0\/8 /)],
      ['medium', expect.stringMatching(/^TRUSTED_PROXIES entry 2001:db8::\/32 /)],
    ]);
  });

  it('single proxies: nothing to say', () => {
    expect(trustedProxiesCheck(configOf({ ...productionEnv('/srv/app'), TRUSTED_PROXIES: '10.0.0.5,::1' }))).toEqual(
      [],
    );
  });
});
