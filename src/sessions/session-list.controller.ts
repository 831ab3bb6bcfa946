import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Authenticated } from '../access/authenticated.decorator';
import { CurrentUser } from '../access/current-user.decorator';
import type { AuthenticatedUser } from '../access/principal';
import { RequireAuth } from '../access/require-auth.decorator';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { DeviceDto, SessionDto } from './dto/session-list.dto';
import { MAX_LISTED, SessionListService } from './session-list.service';

/**
 * Ending a session or a device needs a login (or step-up) of the last 5
 * minutes, like passkey management: a stolen older token cannot end the
 * owner's other sessions to keep the account to itself. Logout stays
 * unguarded (POST /auth/logout), so a stale token can always end itself.
 */
const FRESH = { maxAge: 300 };

/** An id that is not a UUID is not found either: 404 like every id that is not the caller's, never a 400. */
const idParam = (of: string) =>
  ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid', maxLength: 36 }, description: `The ${of} id` });

/** The caller's own sessions and devices: seen, and ended one at a time. */
@ApiTags('sessions')
@Controller('auth')
export class SessionListController {
  constructor(private readonly list: SessionListService) {}

  @Get('sessions')
  @ApiOperation({
    summary: "The caller's live sessions, newest first",
    description: `Not ended, not expired, not idle too long; the ${MAX_LISTED} newest at most.`,
  })
  @Authenticated()
  @ApiOkResponse({ schema: { type: 'array', maxItems: MAX_LISTED, items: { $ref: getSchemaPath(SessionDto) } } })
  @ApiExtraModels(SessionDto)
  sessions(@CurrentUser() user: AuthenticatedUser) {
    return this.list.listSessions(user.id, user.sid);
  }

  @Delete('sessions/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: "End one of the caller's sessions: its refresh and access tokens are refused at once",
    description: 'The current session may be ended too, like POST /auth/logout.',
  })
  @RequireAuth(FRESH)
  @idParam('session')
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiJsonBodyErrors()
  @ApiErrors({ 404: "No live session of the caller with this id (another user's, ended, unknown or malformed)" })
  async endSession(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    await this.list.endSession(user, id, origin);
  }

  @Get('devices')
  @ApiOperation({
    summary: "The caller's device tokens: the clients whose failed logins count against themselves only",
    description: `Unexpired ones, newest first; the ${MAX_LISTED} newest at most.`,
  })
  @Authenticated()
  @ApiOkResponse({ schema: { type: 'array', maxItems: MAX_LISTED, items: { $ref: getSchemaPath(DeviceDto) } } })
  @ApiExtraModels(DeviceDto)
  devices(@CurrentUser() user: AuthenticatedUser) {
    return this.list.listDevices(user);
  }

  @Delete('devices/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Forget a device: its token is unknown at the next login, its pending logins must start over',
    description:
      'Its sessions stay (end them with DELETE /auth/sessions/:id). The pre-auth tokens of the account ' +
      'go stale, so a login in progress on another device starts again at the password.',
  })
  @RequireAuth(FRESH)
  @idParam('device')
  @ApiNoContentResponse({ description: 'Forgotten' })
  @ApiJsonBodyErrors()
  @ApiErrors({ 404: "No unexpired device of the caller with this id (another user's, unknown or malformed)" })
  async revokeDevice(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    await this.list.revokeDevice(user, id, origin);
  }
}
