import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../access/current-user.decorator';
import { PreAuth } from '../access/pre-auth.decorator';
import type { PreAuthenticatedUser } from '../access/principal';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { SetupTwoFactorDto } from './dto/setup-two-factor.dto';
import { TotpCodeDto } from './dto/totp-code.dto';
import { EnabledTwoFactorDto, TotpSetupDto, VerifiedDto } from './dto/two-factor-responses.dto';
import { VerifyDto } from './dto/verify.dto';
import { TwoFactorService } from './two-factor.service';

/** The second step of login: these routes take a pre-auth token, and only they do. */
@PreAuth()
@RateLimit('2fa')
@ApiTags('two-factor login')
@Controller('auth/2fa')
export class TwoFactorController {
  constructor(private readonly twoFactor: TwoFactorService) {}

  @Post('setup')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Enrollment, step 1: a new TOTP secret (pending until /auth/2fa/enable); needs the enrollment ticket',
    description:
      'Creates or replaces the pending secret, which works only once /auth/2fa/enable confirms it. The ticket is ' +
      'required unless ENROLLMENT_TICKET_REQUIRED=false; a wrong one counts toward the account lockout like a ' +
      'wrong code.',
  })
  @ApiOkResponse({ type: TotpSetupDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    403: 'An enrollment ticket is required (missing, wrong, expired or replaced: the same answer)',
    409: 'Two-factor authentication is already enabled',
  })
  setup(
    @CurrentUser() principal: PreAuthenticatedUser,
    @Body() dto: SetupTwoFactorDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.twoFactor.setup(principal, dto, origin);
  }

  @Post('enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Enrolment, step 2: confirm with a code; completes the login and returns recovery codes once',
    description:
      'A code from the pending secret makes it active and completes this login: the session tokens, a device ' +
      'token and ten recovery codes, shown this once. Wrong codes count toward the account lockout.',
  })
  @ApiOkResponse({ type: EnabledTwoFactorDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    401: 'Invalid code, or a pre-auth token older than a credential change (password, 2FA reset, logout-all)',
    403: 'An enrollment ticket is required (the one the setup used was replaced or expired meanwhile)',
    409: 'Already enabled, or no pending secret (call /auth/2fa/setup first)',
  })
  enable(@CurrentUser() principal: PreAuthenticatedUser, @Body() dto: TotpCodeDto, @Origin() origin: RequestOrigin) {
    return this.twoFactor.enable(principal, dto.code, origin);
  }

  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Second step of login: a TOTP code or a recovery code; returns the session tokens',
    description:
      'Send code or recoveryCode, not both. A TOTP code is accepted once; wrong codes count toward the account ' +
      'lockout, and one pre-auth token allows only a few attempts before a new password step is needed.',
  })
  @ApiOkResponse({ type: VerifiedDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: 'Both code and recoveryCode were sent',
    401: 'Invalid code, or a spent, exhausted or stale pre-auth token',
    409: 'Two-factor authentication is not enabled: enrol with /auth/2fa/setup',
  })
  verify(@CurrentUser() principal: PreAuthenticatedUser, @Body() dto: VerifyDto, @Origin() origin: RequestOrigin) {
    return this.twoFactor.verify(principal, dto, origin);
  }
}
