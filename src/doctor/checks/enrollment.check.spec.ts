import { configOf, defaults, highs, productionEnv } from '../../testing/doctor-fixture';
import { enrollmentCheck } from './enrollment.check';

describe('enrollmentCheck', () => {
  it('enrollment without a ticket → a high finding in production, medium elsewhere', () => {
    const production = enrollmentCheck(configOf({ ...productionEnv('/srv/app'), ENROLLMENT_TICKET_REQUIRED: 'false' }));
    expect(highs(production).some((f) => /ENROLLMENT_TICKET_REQUIRED=false: a password alone enrolls/.test(f))).toBe(
      true,
    );
    expect(enrollmentCheck(configOf({ ...defaults(), ENROLLMENT_TICKET_REQUIRED: 'false' }))).toEqual([
      expect.objectContaining({ severity: 'medium' }),
    ]);
  });

  it('long-lived enrollment tickets and device tokens are low findings; the defaults are none', () => {
    const findings = enrollmentCheck(
      configOf({
        ...productionEnv('/srv/app'),
        ENROLLMENT_TICKET_TTL: String(60 * 24 * 3600),
        DEVICE_TOKEN_TTL: String(2 * 365 * 24 * 3600),
      }),
    );
    const low = findings
      .filter((f) => f.severity === 'low')
      .map((f) => f.finding)
      .join('\n');
    expect(low).toMatch(/ENROLLMENT_TICKET_TTL=5184000/);
    expect(low).toMatch(/DEVICE_TOKEN_TTL=63072000/);
    expect(enrollmentCheck(configOf(productionEnv('/srv/app')))).toEqual([]);
  });
});
