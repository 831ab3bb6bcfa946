import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOf, defaults, productionEnv } from '../../testing/doctor-fixture';
import { devCertificatePaths, ensureDevCertificates } from '../../tls/dev-certificates';
import { securityWebhookCheck } from './security-webhook.check';

const URL = 'https://hooks.example.com/security';
const strong = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('securityWebhookCheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nest-2fa-api-webhook-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('production without a webhook: info; development without one: nothing', () => {
    expect(securityWebhookCheck(configOf(productionEnv(dir)), dir)).toEqual([
      expect.objectContaining({ severity: 'info', finding: expect.stringMatching(/SECURITY_WEBHOOK_URL is not set/) }),
    ]);
    expect(securityWebhookCheck(configOf(defaults()), dir)).toEqual([]);
  });

  it('a strong secret and a readable CA file: nothing to say', async () => {
    const paths = await ensureDevCertificates(join(dir, 'certs'), () => undefined);
    const config = configOf({
      ...productionEnv(dir),
      SECURITY_WEBHOOK_URL: URL,
      SECURITY_WEBHOOK_SECRET: strong(),
      SECURITY_WEBHOOK_CA_FILE: paths.caCert,
    });
    expect(securityWebhookCheck(config, dir)).toEqual([]);
  });

  it('outside production, a secret production would refuse: medium', () => {
    const config = configOf({
      ...defaults(),
      SECURITY_WEBHOOK_URL: URL,
      SECURITY_WEBHOOK_SECRET: `whsec_${Buffer.alloc(48, 1).toString('base64')}`,
    });
    expect(securityWebhookCheck(config, dir)).toEqual([
      expect.objectContaining({ severity: 'medium', finding: expect.stringMatching(/SECURITY_WEBHOOK_SECRET/) }),
    ]);
  });

  it('a CA file that is missing or not a certificate: high', () => {
    for (const caFile of [join(dir, 'missing.crt'), devCertificatePaths(join(dir, 'certs')).caKey]) {
      const config = configOf({
        ...defaults(),
        SECURITY_WEBHOOK_URL: URL,
        SECURITY_WEBHOOK_SECRET: strong(),
        SECURITY_WEBHOOK_CA_FILE: caFile,
      });
      expect(securityWebhookCheck(config, dir)).toEqual([
        expect.objectContaining({ severity: 'high', finding: expect.stringMatching(/SECURITY_WEBHOOK_CA_FILE/) }),
      ]);
    }
  });
});
