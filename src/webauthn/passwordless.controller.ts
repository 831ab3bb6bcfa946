import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/public.decorator';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { FullLoginDto } from '../two-factor/dto/two-factor-responses.dto';
import { PasswordlessAssertionDto } from './dto/webauthn-requests.dto';
import { RequestOptionsDto } from './dto/webauthn-responses.dto';
import { WebAuthnEnabledGuard } from './webauthn-enabled.guard';
import { WebAuthnService } from './webauthn.service';

/**
 * Passwordless login: a discoverable passkey with user verification is a
 * multi-factor authenticator on its own (NIST SP 800-63B). Public, under the
 * login rate limit like the password step.
 */
@UseGuards(WebAuthnEnabledGuard)
@Public()
@RateLimit('login')
@ApiTags('passkeys')
@ApiErrors({ 404: 'Passkeys are switched off (WEBAUTHN_ENABLED=false)' })
@Controller('auth/webauthn/login')
export class PasswordlessController {
  constructor(private readonly webauthn: WebAuthnService) {}

  @Post('options')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Passwordless login, 1: options for a discoverable passkey, user verification required',
  })
  @ApiOkResponse({ type: RequestOptionsDto })
  @ApiJsonBodyErrors()
  options(@Origin() origin: RequestOrigin) {
    return this.webauthn.passwordlessOptions(origin);
  }

  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Passwordless login, 2: the assertion (UV flag set); returns the session tokens' })
  @ApiOkResponse({ type: FullLoginDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    401: 'Invalid passkey assertion (unknown passkey, no user verification, wrong or spent challenge, …)',
    429: 'Also: the account (or this device) is locked out after repeated failures',
  })
  verify(@Body() dto: PasswordlessAssertionDto, @Origin() origin: RequestOrigin) {
    return this.webauthn.passwordless(dto.response, dto.deviceToken, origin);
  }
}
