import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuditFile } from './audit-file';
import { escapeForLog } from './escape';
import type { RequestOrigin } from './request-origin';

export const AUDIT_LOGGER = Symbol('AUDIT_LOGGER');
export const AUDIT_FILE = Symbol('AUDIT_FILE');

/** Every security event the API records; README lists them. */
export const SECURITY_EVENTS = {
  'auth.register': 'info',
  'auth.login.failed': 'warn',
  'auth.login.password_ok': 'info',
  'auth.login.succeeded': 'info',
  'auth.lockout': 'warn',
  'auth.2fa.enrolled': 'info',
  'auth.enrollment_ticket.issued': 'info',
  'auth.enrollment_ticket.refused': 'warn',
  'auth.totp.failed': 'warn',
  'auth.totp.replay': 'warn',
  'auth.recovery_code.used': 'info',
  'auth.recovery_code.failed': 'warn',
  'auth.recovery_codes.regenerated': 'info',
  'auth.password.changed': 'info',
  'auth.password.change_failed': 'warn',
  'auth.2fa.reset': 'info',
  'auth.2fa.reset_failed': 'warn',
  'session.refresh.reuse': 'warn',
  'session.logout': 'info',
  'session.logout_all': 'info',
  'net.ip.refused': 'warn',
  'net.rate_limit.refused': 'warn',
} as const;

export type SecurityEventName = keyof typeof SECURITY_EVENTS;

/**
 * Event details. Deliberately narrow: ids, counts and short labels. Never a
 * password, code, token or secret; a username is the only client-chosen
 * text, and it is escaped.
 */
export interface SecurityEventFields {
  userId?: string;
  username?: string;
  sessionId?: string;
  /** A device token's id (never the token): which counter a failure hit, which device logged in. */
  deviceId?: string;
  newDevice?: boolean;
  method?: 'totp' | 'recovery-code' | 'enrollment';
  reason?: string;
  remaining?: number;
  retryAfterSeconds?: number;
  bucket?: string;
  next?: string;
}

/**
 * Records security events: one JSON log line each (through the app's pino
 * logger) and, with AUDIT_LOG_FILE, one hash-chained line in that file.
 * `origin` is the request the event happened in (null outside a request:
 * the admin CLI).
 */
@Injectable()
export class SecurityEvents implements OnApplicationShutdown {
  constructor(
    @Inject(AUDIT_LOGGER) private readonly logger: Logger,
    @Inject(AUDIT_FILE) private readonly file: AuditFile | null,
  ) {}

  record(event: SecurityEventName, origin: RequestOrigin | null, fields: SecurityEventFields = {}): void {
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      event,
      requestId: origin?.requestId ?? null,
      clientAddress: origin?.clientAddress ?? null,
      route: origin?.route ?? null,
    };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      entry[key] = typeof value === 'string' ? escapeForLog(value) : value;
    }
    // The log line's own "time" is pino's; the file keeps the entry's.
    const { time: _time, ...line } = entry;
    this.logger[SECURITY_EVENTS[event]]({ securityEvent: true, ...line }, `security event ${event}`);
    this.file?.append(entry);
  }

  onApplicationShutdown(): void {
    this.file?.close();
  }
}
