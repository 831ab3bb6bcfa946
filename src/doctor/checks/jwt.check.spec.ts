import { randomBytes } from 'node:crypto';
import { configOf, defaults } from '../../testing/doctor-fixture';
import { jwtCheck } from './jwt.check';

describe('jwtCheck', () => {
  it('ES256 (the default): nothing to say about a shared secret', () => {
    expect(jwtCheck(configOf(defaults()))).toEqual([]);
  });

  it('HS256 with a random secret: info (every verifier can sign)', () => {
    const config = configOf({
      ...defaults(),
      JWT_ALGORITHM: 'HS256',
      JWT_SECRET: randomBytes(48).toString('base64url'),
    });
    expect(jwtCheck(config)).toEqual([expect.objectContaining({ severity: 'info' })]);
  });

  it('HS256 with a placeholder secret outside production: medium', () => {
    const config = configOf({
      ...defaults(),
      JWT_ALGORITHM: 'HS256',
      JWT_SECRET: 'change-me-change-me-change-me-change-me',
    });
    expect(jwtCheck(config)).toEqual([
      expect.objectContaining({ severity: 'medium', finding: 'JWT_SECRET looks like a placeholder value.' }),
    ]);
  });
});
