import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signWebhook, webhookHeaders } from './webhook-signer';

describe('webhook signer (Standard Webhooks)', () => {
  const key = randomBytes(32);
  const secret = `whsec_${key.toString('base64')}`;
  const body = JSON.stringify({ id: 'msg_1', type: 'auth.password.changed', data: { userId: 'u1' } });

  it('is verified by the reference implementation', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders(key, 'msg_1', timestamp, body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs exactly what the reference implementation signs', () => {
    const at = new Date(1_764_892_800_000);
    expect(signWebhook(key, 'msg_2', 1_764_892_800, body)).toBe(new Webhook(secret).sign('msg_2', at, body));
  });

  it('is HMAC-SHA256 over id.timestamp.body, base64, tagged v1', () => {
    const mac = createHmac('sha256', key).update(`msg_3.1700000000.${body}`).digest('base64');
    expect(signWebhook(key, 'msg_3', 1_700_000_000, body)).toBe(`v1,${mac}`);
  });

  it.each([
    ['another body', (h: Record<string, string>) => ({ h, b: body.replace('u1', 'u2') })],
    ['another id', (h: Record<string, string>) => ({ h: { ...h, 'webhook-id': 'msg_other' }, b: body })],
    [
      'another timestamp',
      (h: Record<string, string>) => ({
        h: { ...h, 'webhook-timestamp': String(Number(h['webhook-timestamp']) + 1) },
        b: body,
      }),
    ],
  ])('fails verification with %s', (_name, tamper) => {
    const headers = webhookHeaders(key, 'msg_4', Math.floor(Date.now() / 1000), body);
    const { h, b } = tamper({ ...headers });
    expect(() => new Webhook(secret).verify(b, h)).toThrow();
  });

  it('fails verification under another key', () => {
    const headers = webhookHeaders(randomBytes(32), 'msg_5', Math.floor(Date.now() / 1000), body);
    expect(() => new Webhook(secret).verify(body, { ...headers })).toThrow();
  });
});
