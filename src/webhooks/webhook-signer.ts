import { createHmac } from 'node:crypto';

/** The headers of one delivery attempt, as the Standard Webhooks specification names them. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
}

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): HMAC-SHA256
 * with the decoded secret over `${id}.${timestamp}.${body}`, base64, after
 * the version tag `v1,`. The id and the timestamp are inside the MAC, so a
 * receiver that checks the timestamp's age and remembers ids refuses a
 * replayed request; `body` must be sent exactly as signed.
 */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function webhookHeaders(key: Buffer, id: string, timestampSeconds: number, body: string): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(key, id, timestampSeconds, body),
    'content-type': 'application/json',
  };
}
