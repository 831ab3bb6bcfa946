import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/authenticated.decorator';
import { CurrentUser } from '../access/current-user.decorator';
import type { AuthenticatedUser } from '../access/principal';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { STALE_WITHOUT_CODE_401 } from '../factors/step-up-verifier.service';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { ResetTwoFactorDto } from './dto/reset-two-factor.dto';
import { StepUpCodeDto } from './dto/step-up-code.dto';
import { EnrollmentTicketDto, RecoveryCodesDto } from './dto/two-factor-responses.dto';
import { TwoFactorSettingsService } from './two-factor-settings.service';

/** Second-factor management for a logged-in user: access token plus a current code. */
@RateLimit('2fa')
@ApiTags('two-factor settings')
@Controller('auth/2fa')
export class TwoFactorSettingsController {
  constructor(private readonly settings: TwoFactorSettingsService) {}

  @Post('recovery-codes')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Replace the recovery codes (the old ones stop working); needs a current code or a fresh token',
    description:
      'The new set of ten codes is shown this once. Wrong codes count toward the account lockout. Without a code, ' +
      'the access token must come from a login or step-up (POST /auth/step-up) of the last 5 minutes.',
  })
  @Authenticated()
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiJsonBodyErrors()
  @ApiErrors({ 401: `Invalid code. ${STALE_WITHOUT_CODE_401}` })
  regenerateRecoveryCodes(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: StepUpCodeDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.settings.regenerateRecoveryCodes(user, dto.code, origin);
  }

  @Post('reset')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Remove the authenticator (password and a current code): every session and device token ends; ' +
      'the next login enrolls again with the enrollment ticket returned here',
    description:
      'The recovery codes go too. Failures count toward the account lockout. The code may be left out when the ' +
      'access token comes from a login or step-up of the last 5 minutes; the password never. Keep the ticket: ' +
      "while tickets are required (the default), no authenticator can be enrolled on this account without it or an operator's.",
  })
  @Authenticated()
  @ApiOkResponse({ type: EnrollmentTicketDto })
  @ApiJsonBodyErrors()
  @ApiErrors({ 401: `Invalid password or code. ${STALE_WITHOUT_CODE_401}` })
  reset(@CurrentUser() user: AuthenticatedUser, @Body() dto: ResetTwoFactorDto, @Origin() origin: RequestOrigin) {
    return this.settings.reset(user, dto.password, dto.code, origin);
  }
}
