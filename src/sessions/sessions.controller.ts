import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/authenticated.decorator';
import { CurrentUser } from '../access/current-user.decorator';
import type { AuthenticatedUser } from '../access/principal';
import { Public } from '../access/public.decorator';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { ApiErrors, ApiJsonBodyErrors, ApiUnreadBodyErrors } from '../openapi/api-docs.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { CredentialRevocationService } from './credential-revocation.service';
import { RefreshDto } from './dto/refresh.dto';
import { SessionTokensDto } from './dto/session-tokens.dto';
import { SessionTokensService } from './session-tokens.service';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller('auth')
export class SessionsController {
  constructor(
    private readonly sessionTokens: SessionTokensService,
    private readonly sessions: SessionsService,
    private readonly credentials: CredentialRevocationService,
  ) {}

  /** Public (the access token may have expired), limited like login: a refresh token is a credential. */
  @Public()
  @RateLimit('login')
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Trade the refresh token for a new access token and the next refresh token',
    description:
      'Public, since the access token may have expired; the refresh token in the body is the credential, under ' +
      'the login rate limit. Each refresh token works once: presenting a used one again ends the whole session.',
  })
  @ApiOkResponse({ type: SessionTokensDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    401: 'Unknown, expired or already used refresh token, or the session has ended (reuse ends the session)',
  })
  refresh(@Body() dto: RefreshDto, @Origin() origin: RequestOrigin) {
    return this.sessionTokens.refresh(dto.refreshToken, origin);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'End this session: its access and refresh tokens stop working',
    description: 'Takes no body. The access token is refused from now on, before it expires.',
  })
  @Authenticated()
  @ApiNoContentResponse({ description: 'Session ended' })
  @ApiUnreadBodyErrors()
  async logout(@CurrentUser() user: AuthenticatedUser, @Origin() origin: RequestOrigin): Promise<void> {
    await this.sessions.logout(user.id, user.sid, origin);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'End every session of the user, this one included, and forget every device token',
    description: 'Takes no body. Pre-auth tokens issued before this call stop working too.',
  })
  @Authenticated()
  @ApiNoContentResponse({ description: 'Every session ended, every device token revoked' })
  @ApiUnreadBodyErrors()
  async logoutAll(@CurrentUser() user: AuthenticatedUser, @Origin() origin: RequestOrigin): Promise<void> {
    await this.credentials.logoutAll(user.id, origin);
  }
}
