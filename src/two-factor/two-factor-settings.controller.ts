import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import type { AuthenticatedUser } from '../tokens/token-types';
import { ResetTwoFactorDto } from './dto/reset-two-factor.dto';
import { TotpCodeDto } from './dto/totp-code.dto';
import { TwoFactorSettingsService } from './two-factor-settings.service';

/** Second-factor management for a logged-in user: access token plus a current code. */
@RateLimit('2fa')
@Controller('auth/2fa')
export class TwoFactorSettingsController {
  constructor(private readonly settings: TwoFactorSettingsService) {}

  @Post('recovery-codes')
  @HttpCode(HttpStatus.OK)
  regenerateRecoveryCodes(@CurrentUser() user: AuthenticatedUser, @Body() dto: TotpCodeDto) {
    return this.settings.regenerateRecoveryCodes(user, dto.code);
  }

  @Post('reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  reset(@CurrentUser() user: AuthenticatedUser, @Body() dto: ResetTwoFactorDto) {
    return this.settings.reset(user, dto.password, dto.code);
  }
}
