import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/authenticated.decorator';
import { CurrentUser } from '../access/current-user.decorator';
import type { AuthenticatedUser } from '../access/principal';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { RequestOptionsDto } from '../webauthn/dto/webauthn-responses.dto';
import { WebAuthnEnabledGuard } from '../webauthn/webauthn-enabled.guard';
import { StepUpTokenDto } from './dto/step-up-token.dto';
import { StepUpDto } from './dto/step-up.dto';
import { StepUpService } from './step-up.service';

/**
 * Step-up (RFC 9470's remedy): an access token of any age, plus a fresh
 * proof, gives a fresh token for the same session. Plain @Authenticated,
 * never @RequireAuth: a stale token is exactly what comes here. Under the
 * 2fa rate limit, like every route that checks a code.
 */
@Authenticated()
@RateLimit('2fa')
@ApiTags('step-up')
@Controller('auth/step-up')
export class StepUpController {
  constructor(private readonly stepUp: StepUpService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Authenticate again: a code, a recovery code or a passkey; returns a fresh access token',
    description:
      'Send exactly one of code, recoveryCode or response (a passkey assertion for the options of POST ' +
      '/auth/step-up/webauthn/options). The new access token belongs to the same session: auth_time is now, amr ' +
      'is the method just used (otp or hwk) and acr follows from it (urn:nest-2fa-api:acr:phr after a passkey, ' +
      'urn:nest-2fa-api:acr:mfa after a code). The session records it, so later refreshes carry it; the refresh ' +
      'token is unchanged. Wrong proofs count toward the account lockout; a code already used (at login or ' +
      'here) is refused.',
  })
  @ApiOkResponse({ type: StepUpTokenDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: 'Not exactly one of code, recoveryCode and response',
    401: 'Invalid code or passkey assertion (wrong, replayed, or a challenge of another session)',
    429: 'Also: the account is locked out after repeated failures',
  })
  verify(@CurrentUser() user: AuthenticatedUser, @Body() dto: StepUpDto, @Origin() origin: RequestOrigin) {
    return this.stepUp.stepUp(user, dto, origin);
  }

  @Post('webauthn/options')
  @HttpCode(HttpStatus.OK)
  @UseGuards(WebAuthnEnabledGuard)
  @ApiOperation({
    summary: "Step-up with a passkey, 1: request options for this user's passkeys (challenge bound to this session)",
    description: 'The challenge is single use, valid 5 minutes, and answers a step-up of this session only.',
  })
  @ApiOkResponse({ type: RequestOptionsDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    404: 'Passkeys are switched off (WEBAUTHN_ENABLED=false)',
    409: 'The account has no passkey',
  })
  webauthnOptions(@CurrentUser() user: AuthenticatedUser) {
    return this.stepUp.webauthnOptions(user);
  }
}
