import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import type { AuthenticatedUser } from '../tokens/token-types';
import { RefreshDto } from './dto/refresh.dto';
import { SessionTokensService } from './session-tokens.service';
import { SessionsService } from './sessions.service';

@Controller('auth')
export class SessionsController {
  constructor(
    private readonly sessionTokens: SessionTokensService,
    private readonly sessions: SessionsService,
  ) {}

  /** Public (the access token may have expired), limited like login: a refresh token is a credential. */
  @Public()
  @RateLimit('login')
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  refresh(@Body() dto: RefreshDto) {
    return this.sessionTokens.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.sessions.end(user.sid);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logoutAll(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.sessions.endAllForUser(user.id);
  }
}
