import { configOf, productionEnv } from '../../testing/doctor-fixture';
import { webauthnCheck } from './webauthn.check';

describe('webauthnCheck', () => {
  it('passkeys bound to localhost in production: high', () => {
    const config = configOf({
      ...productionEnv('/srv/app'),
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'https://localhost',
    });
    expect(webauthnCheck(config)).toEqual([
      expect.objectContaining({
        severity: 'high',
        finding: expect.stringMatching(/WEBAUTHN_RP_ID=localhost in production/),
      }),
    ]);
  });

  it('an RP ID wider than the origins: low', () => {
    const config = configOf({ ...productionEnv('/srv/app'), WEBAUTHN_ORIGINS: 'https://app.example.com' });
    expect(webauthnCheck(config)).toEqual([
      expect.objectContaining({
        severity: 'low',
        finding: expect.stringMatching(/WEBAUTHN_RP_ID=example.com is a parent/),
      }),
    ]);
  });

  it('the exact host, or passkeys switched off: nothing to say', () => {
    expect(webauthnCheck(configOf(productionEnv('/srv/app')))).toEqual([]);
    expect(
      webauthnCheck(configOf({ ...productionEnv('/srv/app'), WEBAUTHN_ENABLED: 'false', WEBAUTHN_RP_ID: 'localhost' })),
    ).toEqual([]);
  });
});
