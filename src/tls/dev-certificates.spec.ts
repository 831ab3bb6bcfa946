import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { devCertificatePaths, ensureDevCertificates, generateDevCertificates } from './dev-certificates';

const DAY_MS = 24 * 60 * 60 * 1000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

async function loadCert(file: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(file));
}

async function fingerprints(certsDir: string): Promise<{ ca: string; server: string }> {
  const paths = devCertificatePaths(certsDir);
  const [ca, server] = await Promise.all([loadCert(paths.caCert), loadCert(paths.serverCert)]);
  return { ca: ca.fingerprint256, server: server.fingerprint256 };
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

interface Issuer {
  cert: x509.X509Certificate;
  privateKey: webcrypto.CryptoKey;
}

async function loadIssuer(certFile: string, keyFile: string): Promise<Issuer> {
  const der = createPrivateKey(await readFile(keyFile)).export({ type: 'pkcs8', format: 'der' });
  return {
    cert: new x509.X509Certificate(await readFile(certFile, 'utf8')),
    privateKey: await webcrypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']),
  };
}

/** What an attacker holding the CA key would do: sign a server certificate for any name. */
async function signLeaf(issuer: Issuer, names: x509.JsonGeneralName[]): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex').replace(/^./, '1'),
    // Not a host name: OpenSSL would check a host-name-like CN against the constraints too.
    subject: 'CN=test leaf',
    issuer: issuer.cert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey),
    ],
  });
  return cert.toString('pem');
}

/** A dev CA as this code made them before name constraints: same shape, no NameConstraints. */
async function unconstrainedCa(): Promise<{ issuer: Issuer; certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=nest-2fa-api dev CA 00000000',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    issuer: { cert, privateKey: keys.privateKey },
    certPem: cert.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

/** `openssl verify` of a leaf against a CA file: what a TLS client decides about the chain. */
async function opensslVerify(dir: string, caFile: string, leafPem: string): Promise<{ ok: boolean; output: string }> {
  const leafFile = path.join(dir, `leaf-${randomBytes(4).toString('hex')}.pem`);
  await writeFile(leafFile, leafPem);
  const result = spawnSync('openssl', ['verify', '-CAfile', caFile, leafFile], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function validityDays(cert: X509Certificate): number {
  return Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS);
}

describe('dev certificates', () => {
  let tmpDir: string;
  let certsDir: string;
  const silent = (): void => undefined;

  beforeEach(async () => {
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'dev-certificates-'));
    certsDir = path.join(tmpDir, 'certs');
  });

  afterEach(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });

  it('names the four files inside the certificates directory', () => {
    expect(devCertificatePaths('/srv/certs')).toEqual({
      caCert: path.join('/srv/certs', 'dev-ca.crt'),
      caKey: path.join('/srv/certs', 'dev-ca.key'),
      serverCert: path.join('/srv/certs', 'server.crt'),
      serverKey: path.join('/srv/certs', 'server.key'),
    });
  });

  describe('generateDevCertificates', () => {
    it('issues a server certificate for localhost, 127.0.0.1 and ::1 signed by the dev CA', async () => {
      const paths = await generateDevCertificates(certsDir, silent);
      const ca = await loadCert(paths.caCert);
      const server = await loadCert(paths.serverCert);

      expect(server.verify(ca.publicKey)).toBe(true);
      expect(server.checkIssued(ca)).toBe(true);
      expect(server.checkHost('localhost')).toBe('localhost');
      expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(server.checkIP('::1')).toBe('::1');
      expect(server.ca).toBe(false);
      expect(server.keyUsage).toEqual([SERVER_AUTH]);
      expect(validityDays(server)).toBe(825);
    });

    it('uses ECDSA P-256 keys and SHA-256 signatures for both certificates', async () => {
      const paths = await generateDevCertificates(certsDir, silent);

      for (const file of [paths.caCert, paths.serverCert]) {
        const { publicKey } = await loadCert(file);
        expect(publicKey.asymmetricKeyType).toBe('ec');
        expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
        // Node 20's X509Certificate does not expose the signature algorithm.
        const parsed = new x509.X509Certificate(await readFile(file, 'utf8'));
        expect(parsed.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
      }
    });

    it('makes the dev CA a critical, path-length-0 CA limited to signing certificates and CRLs', async () => {
      const paths = await generateDevCertificates(certsDir, silent);
      const ca = await loadCert(paths.caCert);
      const parsed = new x509.X509Certificate(await readFile(paths.caCert, 'utf8'));
      const basicConstraints = parsed.getExtension(x509.BasicConstraintsExtension);
      const keyUsage = parsed.getExtension(x509.KeyUsagesExtension);

      expect(ca.ca).toBe(true);
      expect(ca.subject).toMatch(/^CN=nest-2fa-api dev CA [0-9a-f]{8}$/);
      expect(basicConstraints).toMatchObject({ ca: true, pathLength: 0, critical: true });
      expect(keyUsage).toMatchObject({
        usages: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        critical: true,
      });
      expect(validityDays(ca)).toBeGreaterThanOrEqual(3652);
    });

    it('gives the dev CA critical name constraints permitting only localhost, 127.0.0.0/8 and ::1/128', async () => {
      const paths = await generateDevCertificates(certsDir, silent);
      const parsed = new x509.X509Certificate(await readFile(paths.caCert, 'utf8'));
      const extension = parsed.getExtension(id_ce_nameConstraints);

      expect(extension?.critical).toBe(true);
      const constraints = AsnConvert.parse(extension!.value, NameConstraints);
      expect(constraints.excludedSubtrees).toBeUndefined();
      expect(constraints.permittedSubtrees?.map((subtree) => ({ ...subtree.base }))).toEqual([
        { dNSName: 'localhost' },
        { iPAddress: '127.0.0.0/8' },
        { iPAddress: '::1/128' },
      ]);
    });

    describe("openssl verify, with the CA key in an attacker's hands", () => {
      it.each<[string, x509.JsonGeneralName[]]>([
        ['example.com', [{ type: 'dns', value: 'example.com' }]],
        ['localhost.example.com', [{ type: 'dns', value: 'localhost.example.com' }]],
        [
          'localhost plus example.com',
          [
            { type: 'dns', value: 'localhost' },
            { type: 'dns', value: 'example.com' },
          ],
        ],
        ['IP 10.0.0.1', [{ type: 'ip', value: '10.0.0.1' }]],
        ['IP 2001:db8::1', [{ type: 'ip', value: '2001:db8::1' }]],
        ['IP ::2', [{ type: 'ip', value: '::2' }]],
      ])('refuses a certificate the dev CA signs for %s', async (_name, names) => {
        const paths = await generateDevCertificates(certsDir, silent);
        const leaf = await signLeaf(await loadIssuer(paths.caCert, paths.caKey), names);

        const result = await opensslVerify(tmpDir, paths.caCert, leaf);

        expect(result.ok).toBe(false);
        expect(result.output).toMatch(/(permitted subtree violation|name constraints)/i);
      });

      it.each<[string, x509.JsonGeneralName[]]>([
        ['localhost', [{ type: 'dns', value: 'localhost' }]],
        ['IP 127.0.0.5', [{ type: 'ip', value: '127.0.0.5' }]],
        ['IP ::1', [{ type: 'ip', value: '::1' }]],
      ])('accepts one for %s', async (_name, names) => {
        const paths = await generateDevCertificates(certsDir, silent);
        const leaf = await signLeaf(await loadIssuer(paths.caCert, paths.caKey), names);

        expect(await opensslVerify(tmpDir, paths.caCert, leaf)).toEqual({
          ok: true,
          output: expect.stringContaining(': OK'),
        });
      });

      it('accepts the server certificate it issues', async () => {
        const paths = await generateDevCertificates(certsDir, silent);
        expect((await opensslVerify(tmpDir, paths.caCert, await readFile(paths.serverCert, 'utf8'))).ok).toBe(true);
      });

      it('control: a CA without name constraints gets an example.com certificate accepted', async () => {
        const old = await unconstrainedCa();
        const caFile = path.join(tmpDir, 'old-ca.crt');
        await writeFile(caFile, old.certPem);

        const result = await opensslVerify(
          tmpDir,
          caFile,
          await signLeaf(old.issuer, [{ type: 'dns', value: 'example.com' }]),
        );

        expect(result.ok).toBe(true);
      });
    });

    it('limits the server key to critical digitalSignature usage and uses a positive 16-byte serial', async () => {
      const paths = await generateDevCertificates(certsDir, silent);
      const parsed = new x509.X509Certificate(await readFile(paths.serverCert, 'utf8'));

      expect(parsed.getExtension(x509.KeyUsagesExtension)).toMatchObject({
        usages: x509.KeyUsageFlags.digitalSignature,
        critical: true,
      });
      expect(parsed.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
      expect(parsed.serialNumber.length).toBeLessThanOrEqual(32);
      expect(parseInt(parsed.serialNumber[0], 16)).toBeLessThan(8);
    });

    it('writes only the four files, with private keys readable by the owner alone', async () => {
      const paths = await generateDevCertificates(certsDir, silent);

      expect((await readdir(certsDir)).sort()).toEqual(['dev-ca.crt', 'dev-ca.key', 'server.crt', 'server.key']);
      expect((await stat(paths.caKey)).mode & 0o777).toBe(0o600);
      expect((await stat(paths.serverKey)).mode & 0o777).toBe(0o600);
    });

    it('logs progress naming the CA path without any key material', async () => {
      const log = jest.fn<void, [string]>();

      const paths = await generateDevCertificates(certsDir, log);

      const messages = log.mock.calls.map(([message]) => message).join('\n');
      expect(messages).toContain('Generating dev CA');
      expect(messages).toContain(`--cacert ${paths.caCert}`);
      expect(messages).not.toContain('PRIVATE KEY');
    });

    it('replaces an existing CA', async () => {
      await generateDevCertificates(certsDir, silent);
      const before = await fingerprints(certsDir);

      await generateDevCertificates(certsDir, silent);

      const after = await fingerprints(certsDir);
      expect(after.ca).not.toBe(before.ca);
      expect(after.server).not.toBe(before.server);
    });
  });

  describe('ensureDevCertificates', () => {
    it('generates everything when the directory does not exist yet', async () => {
      const paths = await ensureDevCertificates(path.join(certsDir, 'nested'), silent);
      const server = await loadCert(paths.serverCert);

      expect(server.verify((await loadCert(paths.caCert)).publicKey)).toBe(true);
    });

    it('keeps valid certificates without regenerating or logging', async () => {
      await ensureDevCertificates(certsDir, silent);
      const before = await fingerprints(certsDir);
      const log = jest.fn();

      await ensureDevCertificates(certsDir, log);

      expect(await fingerprints(certsDir)).toEqual(before);
      expect(log).not.toHaveBeenCalled();
    });

    it('re-issues a deleted server certificate under the same CA', async () => {
      const paths = await ensureDevCertificates(certsDir, silent);
      const before = await fingerprints(certsDir);
      await rm(paths.serverCert);

      await ensureDevCertificates(certsDir, silent);

      const after = await fingerprints(certsDir);
      expect(after.ca).toBe(before.ca);
      expect(after.server).not.toBe(before.server);
      expect((await loadCert(paths.serverCert)).verify((await loadCert(paths.caCert)).publicKey)).toBe(true);
    });

    it('re-issues a server certificate that the CA on disk did not sign', async () => {
      const paths = await ensureDevCertificates(certsDir, silent);
      const otherPaths = await generateDevCertificates(path.join(tmpDir, 'other'), silent);
      await copyFile(otherPaths.caCert, paths.caCert);
      await copyFile(otherPaths.caKey, paths.caKey);

      await ensureDevCertificates(certsDir, silent);

      const ca = await loadCert(paths.caCert);
      expect(ca.fingerprint256).toBe((await loadCert(otherPaths.caCert)).fingerprint256);
      expect((await loadCert(paths.serverCert)).verify(ca.publicKey)).toBe(true);
    });

    it('replaces a dev CA without name constraints, and its server certificate, saying why', async () => {
      const old = await unconstrainedCa();
      const paths = devCertificatePaths(certsDir);
      await mkdir(certsDir, { recursive: true });
      await writeFile(paths.caCert, old.certPem);
      await writeFile(paths.caKey, old.keyPem, { mode: 0o600 });
      // A server certificate the old CA signed, valid in every other respect.
      await writeFile(paths.serverCert, await signLeaf(old.issuer, [{ type: 'dns', value: 'localhost' }]));
      await copyFile(paths.caKey, paths.serverKey);
      const oldServer = (await loadCert(paths.serverCert)).fingerprint256;
      const log = jest.fn<void, [string]>();

      await ensureDevCertificates(certsDir, log);

      const ca = new x509.X509Certificate(await readFile(paths.caCert, 'utf8'));
      expect(ca.subject).not.toBe(old.issuer.cert.subject);
      expect(ca.getExtension(id_ce_nameConstraints)?.critical).toBe(true);
      const server = await loadCert(paths.serverCert);
      expect(server.fingerprint256).not.toBe(oldServer);
      expect(server.verify((await loadCert(paths.caCert)).publicKey)).toBe(true);
      expect(log.mock.calls[0][0]).toMatch(
        /has no name constraints.*replacing it with a CA limited to localhost, 127\.0\.0\.0\/8 and ::1/,
      );
      expect(log.mock.calls[0][0]).toContain('CN=nest-2fa-api dev CA 00000000');

      // Once replaced, it stays.
      const quiet = jest.fn();
      const before = await fingerprints(certsDir);
      await ensureDevCertificates(certsDir, quiet);
      expect(await fingerprints(certsDir)).toEqual(before);
      expect(quiet).not.toHaveBeenCalled();
    });

    it('regenerates both certificates when the CA key is missing', async () => {
      const paths = await ensureDevCertificates(certsDir, silent);
      const before = await fingerprints(certsDir);
      await rm(paths.caKey);

      await ensureDevCertificates(certsDir, silent);

      const after = await fingerprints(certsDir);
      expect(after.ca).not.toBe(before.ca);
      expect((await loadCert(paths.serverCert)).verify((await loadCert(paths.caCert)).publicKey)).toBe(true);
    });
  });
});
