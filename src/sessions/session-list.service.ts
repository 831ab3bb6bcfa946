import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { IsNull, MoreThan, type Repository } from 'typeorm';
import { acrOfAmr } from '../access/acr';
import type { AuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { AppConfigService } from '../config/app-config.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { CredentialRevocationService } from './credential-revocation.service';
import { Session } from './session.entity';
import { sessionAuthOf, SessionsService } from './sessions.service';

/**
 * The most sessions (and devices) one list shows: the newest ones. Nothing
 * caps how many live sessions a user may hold (each full login starts one,
 * under the login rate limit), so the answer is bounded here instead; older
 * sessions still end with DELETE /auth/sessions/:id, logout-all or their
 * expiry.
 */
export const MAX_LISTED = 100;

/** The one answer for another user's id, an ended, expired, unknown or malformed one: no id is confirmed to exist. */
export const NO_SUCH_SESSION = 'No such session';
export const NO_SUCH_DEVICE = 'No such device';

export interface ListedSession {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  clientAddress: string | null;
  createdFromAddress: string | null;
  userAgent: string | null;
  amr: string[];
  acr: string;
}

export interface ListedDevice {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
}

/** What a user sees of their own sessions and devices (GET /auth/sessions, /auth/devices), and ends one at a time. */
@Injectable()
export class SessionListService {
  private readonly idleMs: number;

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly lifecycle: SessionsService,
    private readonly devices: DeviceTokensService,
    private readonly credentials: CredentialRevocationService,
    private readonly events: SecurityEvents,
    config: AppConfigService,
  ) {
    this.idleMs = config.app.sessions.idleTtlSeconds * 1000;
  }

  /** The user's live sessions (not ended, not past their absolute or idle expiry), newest first. */
  private async liveSessions(userId: string): Promise<Session[]> {
    const now = Date.now();
    // revoked_at IS NULL and user_id: the partial index idx_sessions_user_live, which also orders.
    return this.sessions.find({
      where: {
        userId,
        revokedAt: IsNull(),
        expiresAt: MoreThan(now),
        lastUsedAt: MoreThan(now - this.idleMs),
      },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: MAX_LISTED,
    });
  }

  /** `currentSessionId`: the caller's sid, marked `current`; null from the CLI, where no session asks. */
  async listSessions(userId: string, currentSessionId: string | null): Promise<ListedSession[]> {
    return (await this.liveSessions(userId)).map((session) => {
      const { amr } = sessionAuthOf(session);
      return {
        id: session.id,
        current: session.id === currentSessionId,
        createdAt: new Date(session.createdAt).toISOString(),
        lastUsedAt: new Date(session.lastUsedAt).toISOString(),
        clientAddress: session.clientAddress,
        createdFromAddress: session.createdFromAddress,
        userAgent: session.userAgent,
        amr,
        acr: acrOfAmr(amr),
      };
    });
  }

  /**
   * Ends one of the caller's live sessions, the current one included (like
   * logout): SessionsService.end writes the revocation list, so its access
   * tokens are refused at once on every instance, and its refresh token
   * with it.
   */
  async endSession(user: AuthenticatedUser, sessionId: string, origin: RequestOrigin): Promise<void> {
    if (!(await this.isLiveSessionOf(user.id, sessionId))) throw new NotFoundException(NO_SUCH_SESSION);
    // Of two concurrent ends of one session, the one that did not end it finds an ended session: 404.
    if (!(await this.lifecycle.end(sessionId))) throw new NotFoundException(NO_SUCH_SESSION);
    this.events.record('session.ended', origin, { userId: user.id, sessionId });
  }

  async listDevices(user: AuthenticatedUser): Promise<ListedDevice[]> {
    const [devices, current] = await Promise.all([
      this.devices.listLive(user.id, MAX_LISTED),
      this.sessions.findOne({ where: { id: user.sid }, select: { id: true, deviceId: true } }),
    ]);
    return devices.map((device) => ({
      id: device.id,
      current: device.id === current?.deviceId,
      createdAt: new Date(device.createdAt).toISOString(),
      lastUsedAt: new Date(device.lastUsedAt).toISOString(),
      userAgent: device.userAgent,
    }));
  }

  /** A revoker (CredentialRevocationService.revokeDevice): the device's token is unknown from now on. */
  async revokeDevice(user: AuthenticatedUser, deviceId: string, origin: RequestOrigin): Promise<void> {
    if (!isUUID(deviceId) || !(await this.devices.isLive(user.id, deviceId))) {
      throw new NotFoundException(NO_SUCH_DEVICE);
    }
    if (!(await this.credentials.revokeDevice(user.id, deviceId, origin))) throw new NotFoundException(NO_SUCH_DEVICE);
  }

  private async isLiveSessionOf(userId: string, sessionId: string): Promise<boolean> {
    // Checked before the query: a malformed id is "not found" like any other, never a 400 or a database error.
    if (!isUUID(sessionId)) return false;
    const now = Date.now();
    return this.sessions.existsBy({
      id: sessionId,
      userId,
      revokedAt: IsNull(),
      expiresAt: MoreThan(now),
      lastUsedAt: MoreThan(now - this.idleMs),
    });
  }
}
