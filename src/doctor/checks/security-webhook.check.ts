import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from '../../config/app-config';
import { secretWeakness } from '../../config/secret-strength';
import type { Finding } from '../finding';

/**
 * The security webhook (docs/webhooks.md). The API itself refuses an http
 * URL, a missing or short secret, and in production a weak one; this check
 * adds what only shows on disk or outside production: a CA file that cannot
 * be read, a secret that production would refuse, and, in production, that
 * nobody is told about new-device logins at all.
 */
export function securityWebhookCheck(config: AppConfig, root: string): Finding[] {
  const webhook = config.securityWebhook;
  if (!webhook) {
    return config.isProduction
      ? [
          {
            severity: 'info',
            finding:
              'SECURITY_WEBHOOK_URL is not set: account owners are not told about new-device logins or account changes.',
            fix: 'Point SECURITY_WEBHOOK_URL at a receiver that sends the e-mail or push notice (docs/webhooks.md).',
          },
        ]
      : [];
  }
  const findings: Finding[] = [];
  const weakness = secretWeakness(webhook.key.toString('base64'));
  if (weakness) {
    findings.push({
      severity: 'medium',
      finding: `SECURITY_WEBHOOK_SECRET ${weakness}: production would refuse it, and a guessable key lets anyone forge webhooks.`,
      fix: 'Use whsec_$(openssl rand -base64 32) and give the receiver the same value.',
    });
  }
  if (webhook.caFile) {
    const path = resolve(root, webhook.caFile);
    try {
      new X509Certificate(readFileSync(path));
    } catch (error) {
      findings.push({
        severity: 'high',
        finding: `SECURITY_WEBHOOK_CA_FILE ${webhook.caFile} is not a readable PEM certificate (${(error as Error).message}): the API will not start.`,
        fix: "Point it at the PEM certificate of the CA that issued the receiver's certificate, readable by the API's user.",
      });
    }
  }
  return findings;
}
