import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator';
import { PreAuth } from '../auth/pre-auth.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import type { PreAuthenticatedUser } from '../tokens/token-types';
import { TotpCodeDto } from './dto/totp-code.dto';
import { VerifyDto } from './dto/verify.dto';
import { TwoFactorService } from './two-factor.service';

/** The second step of login: these routes take a pre-auth token, and only they do. */
@PreAuth()
@RateLimit('2fa')
@Controller('auth/2fa')
export class TwoFactorController {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Post('setup')
  @HttpCode(HttpStatus.OK)
  setup(@CurrentUser() principal: PreAuthenticatedUser) {
    return this.twoFactor.setup(principal);
  }

  @Post('enable')
  @HttpCode(HttpStatus.OK)
  enable(@CurrentUser() principal: PreAuthenticatedUser, @Body() dto: TotpCodeDto) {
    return this.twoFactor.enable(principal, dto.code);
  }

  @Post('verify')
  @HttpCode(HttpStatus.OK)
  verify(@CurrentUser() principal: PreAuthenticatedUser, @Body() dto: VerifyDto) {
    return this.twoFactor.verify(principal, dto);
  }
}
