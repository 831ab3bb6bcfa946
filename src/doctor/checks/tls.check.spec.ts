import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  defaults,
  filesFor,
  freshRoot,
  highs,
  matching,
  type ProductionFixture,
  productionFixture,
  removeFreshRoots,
  ROOT,
} from '../../testing/doctor-fixture';
import { generateDevCertificates } from '../../tls/dev-certificates';
import { tlsCheck } from './tls.check';

describe('tlsCheck', () => {
  let fixture: ProductionFixture;
  beforeAll(async () => {
    fixture = await productionFixture();
  });
  afterAll(() => {
    fixture.remove();
    removeFreshRoots();
  });

  it("the operator's certificate from its own CA: nothing to say", () => {
    expect(tlsCheck(filesFor(fixture.production()), ROOT)).toEqual([]);
  });

  it('TLS file missing → a high finding', () => {
    const findings = tlsCheck(
      filesFor({ ...fixture.production(), TLS_CERT_FILE: join(fixture.dir, 'nope.crt') }),
      ROOT,
    );
    expect(highs(findings).some((f) => /TLS_CERT_FILE .* does not exist/.test(f))).toBe(true);
  });

  it('dev CA certificate in production → a high finding', () => {
    const certs = join(fixture.dir, 'dev-certs');
    const findings = tlsCheck(
      filesFor({
        ...fixture.production(),
        TLS_CERT_FILE: join(certs, 'server.crt'),
        TLS_KEY_FILE: join(certs, 'server.key'),
      }),
      ROOT,
    );
    expect(highs(findings).some((f) => /issued by the development CA/.test(f))).toBe(true);
  });

  it('a key that does not match the certificate: high', () => {
    const findings = tlsCheck(
      filesFor({ ...fixture.production(), TLS_KEY_FILE: join(fixture.dir, 'dev-certs', 'server.key') }),
      ROOT,
    );
    expect(highs(findings)).toEqual(['TLS_KEY_FILE does not match TLS_CERT_FILE.']);
  });

  it('a dev CA without name constraints: medium, restart to replace it', async () => {
    const root = freshRoot();
    const certs = join(root, 'certs');
    await generateDevCertificates(certs, () => undefined);
    expect(matching(tlsCheck(filesFor(defaults()), root), /no name constraints/)).toEqual([]);
    // An older dev CA, without the extension (any self-signed CA certificate will do).
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=old dev CA',
        '-keyout',
        join(root, 'old.key'),
        '-out',
        join(certs, 'dev-ca.crt'),
        '-days',
        '365',
      ],
      { encoding: 'utf8' },
    );
    expect(made.status).toBe(0);
    expect(matching(tlsCheck(filesFor(defaults()), root), /no name constraints/)).toEqual([
      expect.objectContaining({ severity: 'medium' }),
    ]);
  });

  it('development certificates outside production: info, naming CERTS_DIR', () => {
    expect(tlsCheck(filesFor({ ...defaults(), CERTS_DIR: 'elsewhere/certs' }), freshRoot())).toEqual([
      expect.objectContaining({
        severity: 'info',
        finding: 'TLS: development certificates from elsewhere/certs (dev CA).',
      }),
    ]);
  });
});
