import { configOf, defaults, productionEnv } from '../../testing/doctor-fixture';
import { rateLimitsCheck } from './rate-limits.check';

describe('rateLimitsCheck', () => {
  it('login limit very high → a high finding', () => {
    const findings = rateLimitsCheck(configOf({ ...productionEnv('/srv/app'), RATE_LIMIT_LOGIN: '5000/60' }));
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'high', finding: expect.stringMatching(/^RATE_LIMIT_LOGIN=5000\/60 /) }),
    ]);
  });

  it('high-ish guessing limits, a lax general limit, a high lockout threshold, fail-open in production: medium', () => {
    const findings = rateLimitsCheck(
      configOf({
        ...productionEnv('/srv/app'),
        RATE_LIMIT_2FA: '100/60',
        RATE_LIMIT_DEFAULT: '100000/60',
        LOCKOUT_THRESHOLD: '100',
        RATE_LIMIT_FAIL_OPEN: 'true',
      }),
    );
    expect(findings.map((f) => [f.severity, f.finding])).toEqual([
      ['medium', expect.stringMatching(/^RATE_LIMIT_2FA=100\/60 \(100\/min per client\)/)],
      ['medium', expect.stringMatching(/^RATE_LIMIT_DEFAULT=100000\/60 /)],
      ['medium', expect.stringMatching(/^LOCKOUT_THRESHOLD=100:/)],
      ['medium', expect.stringMatching(/^RATE_LIMIT_FAIL_OPEN=true/)],
    ]);
  });

  it('the defaults: nothing to say', () => {
    expect(rateLimitsCheck(configOf(defaults()))).toEqual([]);
    expect(rateLimitsCheck(configOf(productionEnv('/srv/app')))).toEqual([]);
  });
});
