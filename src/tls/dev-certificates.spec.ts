import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
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
