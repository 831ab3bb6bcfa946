import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints,
  id_ce_nameConstraints,
} from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export interface DevCertificatePaths {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

type Log = (msg: string) => void;

interface DevCa {
  cert: x509.X509Certificate;
  privateKey: webcrypto.CryptoKey;
}

interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// Renewing a month ahead means a dev server never starts on a certificate about to expire mid-work.
const RENEW_WITHIN_MS = 30 * DAY_MS;
const CA_VALIDITY_YEARS = 10;
// 825 days is the longest server-certificate lifetime Apple platforms still accept.
const SERVER_VALIDITY_MS = 825 * DAY_MS;

/**
 * The only names the dev CA may certify. If its key leaks (it sits in a
 * developer's checkout), it cannot impersonate any other site to those who
 * trusted it: TLS clients (OpenSSL, browsers) refuse a certificate it signs
 * for any other name. A DNS constraint also covers subdomains
 * (x.localhost, which resolves to loopback too).
 */
export const DEV_CA_PERMITTED_NAMES = [
  { dNSName: 'localhost' },
  { iPAddress: '127.0.0.0/8' },
  { iPAddress: '::1/128' },
] as const;

const EC_P256: webcrypto.EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export function devCertificatePaths(certsDir: string): DevCertificatePaths {
  return {
    caCert: path.join(certsDir, 'dev-ca.crt'),
    caKey: path.join(certsDir, 'dev-ca.key'),
    serverCert: path.join(certsDir, 'server.crt'),
    serverKey: path.join(certsDir, 'server.key'),
  };
}

export async function ensureDevCertificates(certsDir: string, log: Log): Promise<DevCertificatePaths> {
  const paths = devCertificatePaths(certsDir);
  const ca = await loadUsableCa(paths);
  if (ca && !hasNameConstraints(ca.cert)) {
    log(
      `The dev CA in ${displayPath(certsDir)} has no name constraints, so its key could sign a certificate for any site: ` +
        `replacing it with a CA limited to localhost, 127.0.0.0/8 and ::1, and a new server certificate. ` +
        `Trust the new ${displayPath(paths.caCert)} and remove the old dev CA (${ca.cert.subject}) from trust stores.`,
    );
    await writeFreshCertificates(certsDir, paths, log);
    logTrustHint(paths, log);
    return paths;
  }
  if (ca && (await hasUsableServerCertificate(paths, ca))) {
    return paths;
  }
  if (ca) {
    // Keeping the CA spares the user from re-trusting it in curl, browsers or the OS store.
    log(`Re-issuing dev server certificate with the existing dev CA in ${displayPath(certsDir)} …`);
    await mkdir(certsDir, { recursive: true });
    await writeServerCertificate(paths, await issueServerCertificate(ca));
  } else {
    await writeFreshCertificates(certsDir, paths, log);
  }
  logTrustHint(paths, log);
  return paths;
}

export async function generateDevCertificates(certsDir: string, log: Log): Promise<DevCertificatePaths> {
  const paths = devCertificatePaths(certsDir);
  await writeFreshCertificates(certsDir, paths, log);
  logTrustHint(paths, log);
  return paths;
}

async function writeFreshCertificates(certsDir: string, paths: DevCertificatePaths, log: Log): Promise<void> {
  log(`Generating dev CA and server certificate in ${displayPath(certsDir)} …`);
  await mkdir(certsDir, { recursive: true });
  const ca = await createCa();
  const server = await issueServerCertificate(ca);
  // Keys go first so an interrupted run leaves a cert/key mismatch, which the next start detects and repairs.
  await writeAtomically(paths.caKey, await exportPrivateKeyPem(ca.privateKey), 0o600);
  await writeAtomically(paths.caCert, ca.cert.toString('pem'), 0o644);
  await writeServerCertificate(paths, server);
}

async function writeServerCertificate(paths: DevCertificatePaths, server: IssuedCertificate): Promise<void> {
  await writeAtomically(paths.serverKey, server.keyPem, 0o600);
  await writeAtomically(paths.serverCert, server.certPem, 0o644);
}

function logTrustHint(paths: DevCertificatePaths, log: Log): void {
  const caPath = displayPath(paths.caCert);
  log(
    `Dev certificates ready. Clients must trust the dev CA ${caPath}, e.g. curl --cacert ${caPath} https://localhost:<port>/`,
  );
}

async function createCa(): Promise<DevCa> {
  const keys = await generateKeyPair();
  const notBefore = new Date();
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    // The random suffix tells regenerated CAs apart in trust stores, where they all share one name otherwise.
    name: `CN=nest-2fa-api dev CA ${randomBytes(4).toString('hex')}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      nameConstraintsExtension(),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, privateKey: keys.privateKey };
}

// @peculiar/x509 has no NameConstraints class: the extension is built from its ASN.1 structure.
function nameConstraintsExtension(): x509.Extension {
  const permitted = new GeneralSubtrees(
    DEV_CA_PERMITTED_NAMES.map((name) => new GeneralSubtree({ base: new GeneralName(name) })),
  );
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted }));
  // Critical (RFC 5280 requires it): a client that cannot enforce the constraints must refuse the CA.
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** True when the CA certificate (DER) carries exactly the critical name constraints this code writes. */
export function devCaHasNameConstraints(der: Buffer): boolean {
  return hasNameConstraints(new x509.X509Certificate(der));
}

function hasNameConstraints(cert: x509.X509Certificate): boolean {
  const found = cert.getExtension(id_ce_nameConstraints);
  const expected = nameConstraintsExtension();
  return found !== null && found.critical && Buffer.from(found.value).equals(Buffer.from(expected.value));
}

async function issueServerCertificate(ca: DevCa): Promise<IssuedCertificate> {
  const keys = await generateKeyPair();
  const notBefore = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: 'CN=localhost',
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + SERVER_VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

async function loadUsableCa(paths: DevCertificatePaths): Promise<DevCa | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfPresent(paths.caCert), readIfPresent(paths.caKey)]);
  if (certPem === undefined || keyPem === undefined) {
    return undefined;
  }
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    const usable =
      cert.ca &&
      cert.checkPrivateKey(key) &&
      key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
      outlivesRenewalWindow(cert);
    if (!usable) {
      return undefined;
    }
    const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
    const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_P256, false, ['sign']);
    return { cert: new x509.X509Certificate(certPem), privateKey };
  } catch {
    // Unparseable files are treated like missing ones: regenerating is the only useful reaction.
    return undefined;
  }
}

async function hasUsableServerCertificate(paths: DevCertificatePaths, ca: DevCa): Promise<boolean> {
  const [certPem, keyPem] = await Promise.all([readIfPresent(paths.serverCert), readIfPresent(paths.serverKey)]);
  if (certPem === undefined || keyPem === undefined) {
    return false;
  }
  try {
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(Buffer.from(ca.cert.rawData));
    return (
      cert.checkIssued(caCert) &&
      cert.verify(caCert.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(keyPem)) &&
      outlivesRenewalWindow(cert)
    );
  } catch {
    return false;
  }
}

function outlivesRenewalWindow(cert: X509Certificate): boolean {
  return Date.parse(cert.validTo) - Date.now() > RENEW_WITHIN_MS;
}

async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

async function exportPrivateKeyPem(privateKey: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

// Serials must be positive: clearing the sign bit keeps 16 random bytes without a DER padding byte.
function randomSerialNumber(): string {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  return serial.toString('hex');
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

// A crash mid-write must never leave a truncated key or certificate that the server would then load.
async function writeAtomically(file: string, data: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      // Exactly `mode`, whatever the umask: the CA certificate is public, keys are not.
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
