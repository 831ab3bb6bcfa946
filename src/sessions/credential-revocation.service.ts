import { Injectable } from '@nestjs/common';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { UsersService } from '../users/users.service';
import { SessionsService } from './sessions.service';

/**
 * The one place a credential change ends what was issued before it:
 * password change, 2FA reset (API and CLI), logout-all and sessions:revoke
 * all come through here, so none of them can forget a piece.
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

  /** POST /auth/logout-all: ends every session and device of the caller. */
  async logoutAll(userId: string, origin: RequestOrigin): Promise<void> {
    await this.revokeAll(userId);
    this.events.record('session.logout_all', origin, { userId });
  }
}
