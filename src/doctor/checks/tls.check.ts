import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { devCaHasNameConstraints, devCertificatePaths } from '../../tls/dev-certificates';
import type { ConfiguredFiles } from '../configured-files';
import type { Finding } from '../finding';
import { displayPath } from '../paths';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates expiring sooner than this are reported. */
const CERT_EXPIRY_WARNING_DAYS = 30;

/**
 * The certificate the API serves: the operator's (TLS_CERT_FILE and
 * TLS_KEY_FILE) or, outside production, the dev CA's in CERTS_DIR.
 */
export function tlsCheck(files: ConfiguredFiles, root: string): Finding[] {
  const certsDir = files.certsDir === undefined ? undefined : resolve(root, files.certsDir);
  const devCa = certsDir === undefined ? undefined : readCert(devCertificatePaths(certsDir).caCert);
  if (!files.tlsCertFile || !files.tlsKeyFile) {
    // Production refuses to start without both: a config finding.
    if (files.production || certsDir === undefined) return [];
    return devCertificateFindings(certsDir, devCa, root);
  }
  return operatorCertificateFindings(files.tlsCertFile, files.tlsKeyFile, devCa, files.production, root);
}

function devCertificateFindings(certsDir: string, devCa: X509Certificate | undefined, root: string): Finding[] {
  const findings: Finding[] = [
    {
      severity: 'info',
      finding: `TLS: development certificates from ${displayPath(certsDir, root)} (dev CA).`,
      fix: 'Set TLS_CERT_FILE and TLS_KEY_FILE for a deployment.',
    },
  ];
  if (devCa && !devCaHasNameConstraints(devCa.raw)) {
    findings.push({
      severity: 'medium',
      finding: `The dev CA in ${displayPath(certsDir, root)} has no name constraints: its key can sign a certificate for any site that clients trusting it accept.`,
      fix: 'Restart the API (it replaces the CA) or run `npm run cli -- certs:dev`, then trust the new dev-ca.crt and remove the old one.',
    });
  }
  const devServer = readCert(devCertificatePaths(certsDir).serverCert);
  if (devServer) {
    findings.push(
      ...expiryFindings(
        devServer,
        'the dev server certificate',
        'Run `npm run cli -- certs:dev` (or restart: it renews by itself).',
      ),
    );
  }
  return findings;
}

function operatorCertificateFindings(
  certFile: string,
  keyFile: string,
  devCa: X509Certificate | undefined,
  production: boolean,
  root: string,
): Finding[] {
  const certPath = resolve(root, certFile);
  const keyPath = resolve(root, keyFile);
  if (!existsSync(certPath)) {
    return [
      {
        severity: 'high',
        finding: `TLS_CERT_FILE ${certFile} does not exist.`,
        fix: 'Fix the path or install the certificate.',
      },
    ];
  }
  const findings: Finding[] = [];
  if (!existsSync(keyPath)) {
    findings.push({
      severity: 'high',
      finding: `TLS_KEY_FILE ${keyFile} does not exist.`,
      fix: 'Fix the path or install the key.',
    });
  }
  const cert = readCert(certPath);
  if (!cert) {
    findings.push({
      severity: 'high',
      finding: `TLS_CERT_FILE ${certFile} is not a readable PEM certificate.`,
      fix: 'Install the PEM certificate chain (leaf first).',
    });
    return findings;
  }
  // Compared with CERTS_DIR/dev-ca.crt: issuer name and signature.
  if (devCa !== undefined && cert.checkIssued(devCa) && cert.verify(devCa.publicKey)) {
    findings.push({
      severity: production ? 'high' : 'info',
      finding: `TLS_CERT_FILE is issued by the development CA (${cert.issuer.replace(/\n/g, ', ')}).`,
      fix: 'Use a certificate from a real or internal CA in production.',
    });
  }
  findings.push(
    ...expiryFindings(
      cert,
      `TLS_CERT_FILE (${cert.subject.replace(/\n/g, ', ')})`,
      'Renew the certificate and restart the API.',
    ),
  );
  if (existsSync(keyPath)) {
    try {
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyPath)))) {
        findings.push({
          severity: 'high',
          finding: 'TLS_KEY_FILE does not match TLS_CERT_FILE.',
          fix: 'Install the key of this certificate.',
        });
      }
    } catch {
      findings.push({
        severity: 'high',
        finding: `TLS_KEY_FILE ${keyFile} is not a readable PEM private key.`,
        fix: 'Install the PEM private key (unencrypted, readable by the API only).',
      });
    }
  }
  return findings;
}

function expiryFindings(cert: X509Certificate, what: string, fix: string): Finding[] {
  const left = Date.parse(cert.validTo) - Date.now();
  const until = new Date(cert.validTo).toISOString();
  if (left <= 0) return [{ severity: 'high', finding: `${what} expired on ${until}.`, fix }];
  if (left < CERT_EXPIRY_WARNING_DAYS * DAY_MS) {
    return [{ severity: 'medium', finding: `${what} expires in ${Math.ceil(left / DAY_MS)} days (${until}).`, fix }];
  }
  return [];
}

function readCert(path: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(path));
  } catch {
    return undefined;
  }
}
