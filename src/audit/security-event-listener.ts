import type { SecurityEventFields, SecurityEventName } from './security-events.service';

/** One recorded security event, as SecurityEvents hands it to its listeners. */
export interface RecordedSecurityEvent {
  event: SecurityEventName;
  /** When it was recorded (epoch milliseconds). */
  time: number;
  /** The resolved client address and the escaped User-Agent; null outside a request (the CLI). */
  clientAddress: string | null;
  userAgent: string | null;
  /** "cli" for the admin CLI's actions. */
  actor: 'api' | 'cli';
  /** The event's fields, strings escaped as in the log line. */
  fields: SecurityEventFields;
}

/**
 * Something that acts on security events besides the log and the audit file
 * (the security webhooks). Defined here and registered at runtime, so that
 * audit/, which every feature imports, imports none of them.
 *
 * onSecurityEvent runs inside SecurityEvents.record(): it must return at
 * once (queue the event, never wait for I/O) and should not throw; a throw
 * is logged and the caller's action goes on.
 */
export interface SecurityEventListener {
  onSecurityEvent(event: RecordedSecurityEvent): void;
}
