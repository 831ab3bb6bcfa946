import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { devCertificatePaths } from '../../src/tls/dev-certificates';
import { TEST_CERTS_DIR } from './test-app';

/** Debian's Chromium, driven by playwright-core: no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * `describe`, or `describe.skip` with a warning when Chromium is missing on a
 * developer's machine. In CI (CI=true) a missing browser is a failure, never a
 * skip: a green run must mean the browser tests ran.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it(`needs ${CHROMIUM} (CI=true: a browser test fails rather than skips)`, () => {
        throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium"`);
      });
    });
  }
  console.warn(`${name}: SKIPPED, ${CHROMIUM} is missing (install the Debian package "chromium")`);
  describe.skip(name, body);
}

/**
 * The base64 SHA-256 of the server certificate's public key (SPKI), for
 * --ignore-certificate-errors-spki-list. Chromium then accepts this one
 * certificate, issued by the dev CA it does not know, and still refuses any
 * other: a pin on our key, not TLS errors ignored wholesale. The page counts
 * as a secure context, which WebAuthn requires.
 */
function serverSpkiHash(): string {
  const cert = new X509Certificate(readFileSync(devCertificatePaths(TEST_CERTS_DIR).serverCert));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${serverSpkiHash()}`,
    ],
  });
}
