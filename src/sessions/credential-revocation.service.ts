import { Injectable } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { UsersService } from '../users/users.service';
import { SessionsService } from './sessions.service';

/**
 * The one place a credential change ends what was issued before it:
 * password change, 2FA reset (API and CLI), logout-all, sessions:revoke and
 * a device's revocation all come through here, so none of them can forget a piece.
 */
@Injectable()
export class CredentialRevocationService {
  constructor(
    private readonly users: UsersService,
    private readonly devices: DeviceTokensService,
    private readonly sessions: SessionsService,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * The order is the guarantee. The credential version goes first: from then
   * on no pre-auth token earned before the change completes a login, and a
   * login in flight that wrote its session or device before the bump is
   * caught by the sweeps that follow (logins write first and check the
   * version after, see SessionTokensService.start). Then device tokens, so
   * no device keeps its lockout privilege; then every session, access tokens
   * included through the revocation list.
   */
  async revokeAll(userId: string): Promise<void> {
    await this.users.bumpCredentialVersion(userId);
    await this.devices.revokeAll(userId);
    await this.sessions.endAllForUser(userId);
  }

  /**
   * DELETE /auth/devices/:id: that device's trust ends. The credential
   * version goes first, as in revokeAll: a pre-auth token the device earned
   * before (whose failures count against the device's lockout counter, not
   * the account's untrusted one) is stale from then on, and so is a login
   * from the device in flight, whose issue() may renew the row just before
   * the delete. Then the row goes, so the token is unknown at the next
   * password step. The device's sessions stay: DELETE /auth/sessions/:id
   * ends those. False when a concurrent revocation removed the device first.
   */
  async revokeDevice(userId: string, deviceId: string, origin: RequestOrigin): Promise<boolean> {
    await this.users.bumpCredentialVersion(userId);
    if (!(await this.devices.revoke(deviceId))) return false;
    this.events.record('session.device_revoked', origin, { userId, deviceId });
    return true;
  }

  /** POST /auth/logout-all: ends every session and device of the caller. */
  async logoutAll(userId: string, origin: RequestOrigin): Promise<void> {
    await this.revokeAll(userId);
    this.events.record('session.logout_all', origin, { userId });
  }
}
