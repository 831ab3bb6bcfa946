import { userInfo } from 'node:os';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuditWriter } from './audit-writer';
import { escapeForLog } from './escape';
import { MemoryRefusalAggregation, REFUSAL_EVENTS, type Refusal, type RefusalAggregation } from './refusal-aggregation';
import type { RequestOrigin } from './request-origin';
import type { SecurityEventListener } from './security-event-listener';

export const AUDIT_LOGGER = Symbol('AUDIT_LOGGER');
export const AUDIT_FILE = Symbol('AUDIT_FILE');

/** Every security event the API records; docs/operations.md lists them (src/docs.spec.ts checks). */
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
  'auth.webauthn.registered': 'info',
  'auth.webauthn.renamed': 'info',
  'auth.webauthn.removed': 'info',
  'auth.webauthn.verified': 'info',
  'auth.webauthn.failed': 'warn',
  'auth.webauthn.counter_regression': 'warn',
  'auth.step_up': 'info',
  'session.refresh.reuse': 'warn',
  'session.logout': 'info',
  'session.logout_all': 'info',
  'session.ended': 'info',
  'session.device_revoked': 'info',
  'net.ip.refused': 'warn',
  'net.rate_limit.refused': 'warn',
  // The admin CLI's actions (actor "cli", osUser: the operating-system user).
  'cli.user.created': 'info',
  'cli.user.enrolled': 'info',
  'cli.user.2fa_reset': 'info',
  'cli.user.unlocked': 'info',
  'cli.user.enrollment_ticket': 'info',
  'cli.sessions.revoked': 'info',
  'cli.secrets.resealed': 'info',
} as const;

export type SecurityEventName = keyof typeof SECURITY_EVENTS;
export type CliEventName = Extract<SecurityEventName, `cli.${string}`>;

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
  method?: 'totp' | 'recovery-code' | 'enrollment' | 'webauthn' | 'webauthn-enrollment' | 'passwordless';
  reason?: string;
  remaining?: number;
  /** A passkey: the first 8 characters of its credential id, never the whole id or the public key. */
  credential?: string;
  retryAfterSeconds?: number;
  bucket?: string;
  next?: string;
  /** Aggregated refusals: how many refusals this one event stands for. */
  count?: number;
  /** TOTP secrets examined / re-sealed / unreadable (cli.secrets.resealed). */
  secrets?: number;
  resealed?: number;
  unreadable?: number;
}

const REFUSALS: ReadonlySet<SecurityEventName> = new Set(REFUSAL_EVENTS);

/**
 * Records security events: one JSON log line each (through the app's pino
 * logger, synchronously) and, with AUDIT_LOG_FILE, one hash-chained line in
 * that file (queued: AuditWriter writes it in a batch off the request path).
 * `origin` is the request the event happened in (null outside a request:
 * the admin CLI, see recordCliAction).
 *
 * record() never throws into its caller and never waits: the protective
 * action around it (ending a session, replacing codes) must not be undone,
 * skipped or delayed by a failing sink. A failing audit file shows in
 * /health/ready instead. Refusals (net.ip.refused, net.rate_limit.refused)
 * are aggregated (RefusalAggregation); every other event is recorded as is.
 */
@Injectable()
export class SecurityEvents implements OnApplicationShutdown {
  private readonly refusals: RefusalAggregation;
  private readonly listeners: SecurityEventListener[] = [];
  private osUser?: string;

  constructor(
    @Inject(AUDIT_LOGGER) private readonly logger: Logger,
    @Inject(AUDIT_FILE) private readonly file: AuditWriter | null,
  ) {
    this.refusals = new MemoryRefusalAggregation((refusal, count, manyAddresses) =>
      this.aggregated(refusal, count, manyAddresses),
    );
  }

  record(event: SecurityEventName, origin: RequestOrigin | null, fields: SecurityEventFields = {}): void {
    try {
      if (REFUSALS.has(event))
        this.refusals.refused({ event: event as Refusal['event'], origin, bucket: fields.bucket });
      else this.write(event, origin, fields);
    } catch (error) {
      this.reportFailure(error);
    }
  }

  /**
   * An admin CLI action, recorded with `actor: "cli"` and the operating-system
   * user running the CLI, to AUDIT_LOG_FILE (shared with a running API under
   * its lock) and to the CLI's log on stderr. Call it after the action.
   */
  recordCliAction(event: CliEventName, fields: SecurityEventFields = {}): void {
    try {
      this.write(event, null, fields, { actor: 'cli', osUser: this.operatingSystemUser() });
    } catch (error) {
      this.reportFailure(error);
    }
  }

  /**
   * Registers a listener for every event recorded from now on (refusals
   * included, after aggregation). The security webhooks register here.
   */
  addListener(listener: SecurityEventListener): void {
    this.listeners.push(listener);
  }

  /** Pending refusal counts first, then the queue: SIGTERM (Nest's shutdown hooks) and the CLI's close. */
  async onApplicationShutdown(): Promise<void> {
    this.refusals.stop();
    this.refusals.flush();
    await this.file?.close();
  }

  private aggregated(refusal: Refusal, count: number, manyAddresses: boolean): void {
    const origin = refusal.origin && manyAddresses ? { ...refusal.origin, clientAddress: null } : refusal.origin;
    this.write(refusal.event, origin, {
      bucket: refusal.bucket,
      count,
      reason: manyAddresses ? 'many-addresses' : undefined,
    });
  }

  private write(
    event: SecurityEventName,
    origin: RequestOrigin | null,
    fields: SecurityEventFields,
    actor: Record<string, string> = {},
  ): void {
    const now = Date.now();
    const entry: Record<string, unknown> = {
      time: new Date(now).toISOString(),
      event,
      requestId: origin?.requestId ?? null,
      clientAddress: origin?.clientAddress ?? null,
      route: origin?.route ?? null,
      ...actor,
    };
    const escaped: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      escaped[key] = typeof value === 'string' ? escapeForLog(value) : value;
    }
    Object.assign(entry, escaped);
    // Queued before the log line, so a failing stdout cannot keep it out of the file.
    this.file?.enqueue(entry, REFUSALS.has(event));
    // The log line's own "time" is pino's; the file keeps the entry's.
    const { time: _time, ...line } = entry;
    try {
      this.logger[SECURITY_EVENTS[event]]({ securityEvent: true, ...line }, `security event ${event}`);
    } catch (error) {
      this.reportFailure(error);
    }
    for (const listener of this.listeners) {
      try {
        listener.onSecurityEvent({
          event,
          time: now,
          clientAddress: origin?.clientAddress ?? null,
          userAgent: origin?.userAgent ?? null,
          actor: actor.actor === 'cli' ? 'cli' : 'api',
          fields: escaped as SecurityEventFields,
        });
      } catch (error) {
        this.reportFailure(error);
      }
    }
  }

  private operatingSystemUser(): string {
    if (this.osUser === undefined) {
      try {
        this.osUser = escapeForLog(userInfo().username);
      } catch {
        // A uid without a passwd entry (containers): the number still names it.
        this.osUser = `uid:${process.getuid?.() ?? 'unknown'}`;
      }
    }
    return this.osUser;
  }

  private reportFailure(error: unknown): void {
    try {
      this.logger.error({ err: error }, 'a security event could not be recorded');
    } catch {
      // Nowhere left to say it; the caller's action goes on regardless.
    }
  }
}
