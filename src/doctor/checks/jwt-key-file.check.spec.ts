import { join } from 'node:path';
import { filesFor, highs, type ProductionFixture, productionFixture, ROOT } from '../../testing/doctor-fixture';
import { jwtKeyFileCheck } from './jwt-key-file.check';

describe('jwtKeyFileCheck', () => {
  let fixture: ProductionFixture;
  beforeAll(async () => {
    fixture = await productionFixture();
  });
  afterAll(() => fixture.remove());

  it('the production key: nothing to say', () => {
    expect(jwtKeyFileCheck(filesFor(fixture.production()), ROOT)).toEqual([]);
  });

  it('dev key file in production → a high finding', () => {
    const production = fixture.production();
    const findings = jwtKeyFileCheck(
      filesFor({ ...production, JWT_PRIVATE_KEY_FILE: join(production.DEV_SECRETS_DIR, 'jwt-es256.pem') }),
      ROOT,
    );
    expect(highs(findings).some((f) => /generated development key/.test(f))).toBe(true);
  });

  it('a key file that does not exist: high', () => {
    const findings = jwtKeyFileCheck(
      filesFor({ ...fixture.production(), JWT_PRIVATE_KEY_FILE: join(fixture.dir, 'nope.pem') }),
      ROOT,
    );
    expect(highs(findings)).toEqual([expect.stringMatching(/^JWT_PRIVATE_KEY_FILE .*nope\.pem does not exist/)]);
  });

  it('HS256 has no key file to check', () => {
    const files = filesFor({
      ...fixture.production(),
      JWT_ALGORITHM: 'HS256',
      JWT_SECRET: 'q7Lr2vXk9PmZ4tWb8NcY3hJd6FgS1aEu0RoT5iK',
      JWT_PRIVATE_KEY_FILE: join(fixture.dir, 'nope.pem'),
    });
    expect(jwtKeyFileCheck(files, ROOT)).toEqual([]);
  });
});
