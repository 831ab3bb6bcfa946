import { configOf, defaults, productionEnv } from '../../testing/doctor-fixture';
import { registrationCheck } from './registration.check';

describe('registrationCheck', () => {
  it('open registration in production: medium', () => {
    expect(registrationCheck(configOf({ ...productionEnv('/srv/app'), REGISTRATION_ENABLED: 'true' }))).toEqual([
      expect.objectContaining({ severity: 'medium', finding: expect.stringMatching(/REGISTRATION_ENABLED=true/) }),
    ]);
  });

  it('the defaults (off in production, on in development): nothing to say', () => {
    const production = productionEnv('/srv/app');
    delete production.REGISTRATION_ENABLED;
    expect(registrationCheck(configOf(production))).toEqual([]);
    expect(registrationCheck(configOf(defaults()))).toEqual([]);
  });
});
