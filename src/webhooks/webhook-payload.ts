import type { RecordedSecurityEvent } from '../audit/security-event-listener';
import type { SecurityEventName } from '../audit/security-events.service';

export const WEBHOOK_TYPES = [
  'auth.login.new_device',
  'auth.2fa.enrolled',
  'auth.2fa.reset',
  'auth.password.changed',
  'auth.refresh.reuse_detected',
  'auth.lockout',
  'auth.webauthn.registered',
] as const;

export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/**
 * Which security events the account owner hears about, and as what. A
 * login is sent only when it came from a new device (no valid device token
 * of that user at the password or passkey step: newDevice). The CLI's reset
 * and enrollment are the same account changes as the API's, done by an
 * operator; the payload says so with `actor: "cli"`.
 */
export function webhookTypeOf(event: RecordedSecurityEvent): WebhookType | null {
  const types: Partial<Record<SecurityEventName, WebhookType>> = {
    'auth.2fa.enrolled': 'auth.2fa.enrolled',
    'auth.2fa.reset': 'auth.2fa.reset',
    'auth.password.changed': 'auth.password.changed',
    'session.refresh.reuse': 'auth.refresh.reuse_detected',
    'auth.lockout': 'auth.lockout',
    'auth.webauthn.registered': 'auth.webauthn.registered',
    'cli.user.2fa_reset': 'auth.2fa.reset',
    'cli.user.enrolled': 'auth.2fa.enrolled',
  };
  if (event.event === 'auth.login.succeeded') return event.fields.newDevice === true ? 'auth.login.new_device' : null;
  return types[event.event] ?? null;
}

/** The body a receiver gets; `data` holds ids, labels and what the request looked like, never a secret. */
export interface WebhookPayload {
  id: string;
  type: WebhookType;
  /** When the event happened (ISO 8601); the same in every attempt, unlike webhook-timestamp. */
  timestamp: string;
  data: WebhookData;
}

export interface WebhookData {
  userId: string;
  username?: string;
  /** The client address the API resolved (null for the CLI or when unknown). */
  clientAddress: string | null;
  /** The User-Agent header, escaped and cut to 256 characters; null when absent. */
  userAgent: string | null;
  time: string;
  actor: 'api' | 'cli';
  /** A device token's id (never the token): the device a new login was given, or whose counter locked. */
  deviceId?: string;
  /** How the login was completed: totp, recovery-code, enrollment, webauthn, webauthn-enrollment, passwordless. */
  method?: string;
  /** The session a reused refresh token belonged to (ended by the reuse). */
  sessionId?: string;
  /** A passkey: the first 8 characters of its credential id. */
  credential?: string;
  retryAfterSeconds?: number;
}

/**
 * Built from an allowlist of fields, never by copying the event: a field
 * added to security events later cannot leak into a webhook by accident.
 */
export function webhookPayload(
  id: string,
  type: WebhookType,
  event: RecordedSecurityEvent,
  user: { id: string; username: string },
): WebhookPayload {
  const time = new Date(event.time).toISOString();
  const { fields } = event;
  const data: WebhookData = {
    userId: user.id,
    username: user.username,
    clientAddress: event.clientAddress,
    userAgent: event.userAgent,
    time,
    actor: event.actor,
  };
  if (fields.deviceId !== undefined) data.deviceId = fields.deviceId;
  if (fields.method !== undefined && type === 'auth.login.new_device') data.method = fields.method;
  if (fields.sessionId !== undefined && type === 'auth.refresh.reuse_detected') data.sessionId = fields.sessionId;
  if (fields.credential !== undefined && type === 'auth.webauthn.registered') data.credential = fields.credential;
  if (fields.retryAfterSeconds !== undefined && type === 'auth.lockout')
    data.retryAfterSeconds = fields.retryAfterSeconds;
  return { id, type, timestamp: time, data };
}
