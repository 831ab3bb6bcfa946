import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
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
import { PreAuth } from '../access/pre-auth.decorator';
import type { AuthenticatedUser, PreAuthenticatedUser } from '../access/principal';
import { RequireAuth } from '../access/require-auth.decorator';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { MAX_PASSKEYS } from '../factors/webauthn-credentials.service';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { UUID } from '../openapi/string-formats';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { SetupTwoFactorDto } from '../two-factor/dto/setup-two-factor.dto';
import { FullLoginDto } from '../two-factor/dto/two-factor-responses.dto';
import { AssertionDto, RegistrationDto, RenamePasskeyDto } from './dto/webauthn-requests.dto';
import {
  CreationOptionsDto,
  EnrolledPasskeyDto,
  PasskeyDto,
  RegisteredPasskeyDto,
  RequestOptionsDto,
} from './dto/webauthn-responses.dto';
import { WebAuthnEnabledGuard } from './webauthn-enabled.guard';
import { WebAuthnService } from './webauthn.service';

/** Managing passkeys needs a login (or step-up) of the last 5 minutes: a stolen older token adds or removes none. */
const FRESH = { maxAge: 300 };

const ID_PARAM = ApiParam({
  name: 'id',
  format: 'uuid',
  schema: { type: 'string', ...UUID },
  description: 'The passkey id from GET /auth/webauthn/credentials',
});

/**
 * Passkeys as a second factor: managed with an access token, used at login
 * with the pre-auth token, and enrolled as the first factor with the
 * pre-auth token and the enrollment ticket. Each route takes exactly one
 * kind of token.
 */
@UseGuards(WebAuthnEnabledGuard)
@RateLimit('2fa')
@ApiTags('passkeys')
@ApiErrors({ 404: 'Passkeys are switched off (WEBAUTHN_ENABLED=false)' })
@Controller('auth/webauthn')
export class WebAuthnController {
  constructor(private readonly webauthn: WebAuthnService) {}

  @Post('register/options')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Add a passkey, step 1: creation options (challenge bound to this session, 5 minutes)' })
  @RequireAuth(FRESH)
  @ApiOkResponse({ type: CreationOptionsDto })
  @ApiErrors({ 409: `The account already holds ${MAX_PASSKEYS} passkeys: remove one first` })
  @ApiJsonBodyErrors()
  registrationOptions(@CurrentUser() user: AuthenticatedUser) {
    return this.webauthn.registrationOptions(user);
  }

  @Post('register/verify')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: "Add a passkey, step 2: the authenticator's answer and a name" })
  @RequireAuth(FRESH)
  @ApiCreatedResponse({ type: RegisteredPasskeyDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: 'Also: the registration does not verify (challenge, origin, RP ID, signature)',
    409: 'This passkey is already registered (to this or another account)',
  })
  register(@CurrentUser() user: AuthenticatedUser, @Body() dto: RegistrationDto, @Origin() origin: RequestOrigin) {
    return this.webauthn.register(user, dto.response, dto.name, origin);
  }

  @Get('credentials')
  @ApiOperation({ summary: "The account's passkeys" })
  @Authenticated()
  @ApiOkResponse({ schema: { type: 'array', maxItems: MAX_PASSKEYS, items: { $ref: getSchemaPath(PasskeyDto) } } })
  @ApiExtraModels(PasskeyDto)
  list(@CurrentUser() user: AuthenticatedUser) {
    return this.webauthn.list(user);
  }

  @Patch('credentials/:id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rename a passkey' })
  @RequireAuth(FRESH)
  @ID_PARAM
  @ApiOkResponse({ type: PasskeyDto })
  @ApiJsonBodyErrors()
  @ApiErrors({ 400: 'Also: the id is not a UUID', 404: 'No such passkey on this account' })
  rename(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RenamePasskeyDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.webauthn.rename(user, id, dto.name, origin);
  }

  @Delete('credentials/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a passkey (never the last second factor of the account)' })
  @RequireAuth(FRESH)
  @ID_PARAM
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: 'Also: the id is not a UUID',
    404: 'No such passkey on this account',
    409: 'It is the last second factor of the account: add another first, or reset 2FA',
  })
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    await this.webauthn.remove(user, id, origin);
  }

  @Post('authenticate/options')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Second step of login with a passkey, 1: request options for this user's passkeys" })
  @PreAuth()
  @ApiOkResponse({ type: RequestOptionsDto })
  @ApiErrors({ 409: 'The account has no passkey' })
  @ApiJsonBodyErrors()
  authenticationOptions(@CurrentUser() principal: PreAuthenticatedUser) {
    return this.webauthn.authenticationOptions(principal);
  }

  @Post('authenticate/verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Second step of login with a passkey, 2: the assertion; returns the session tokens' })
  @PreAuth()
  @ApiOkResponse({ type: FullLoginDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    401: 'Invalid passkey assertion, or a spent, exhausted or stale pre-auth token',
    409: 'The account has no passkey',
    429: 'Also: the account (or this device) is locked out after repeated failures',
  })
  authenticate(
    @CurrentUser() principal: PreAuthenticatedUser,
    @Body() dto: AssertionDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.webauthn.authenticate(principal, dto.response, origin);
  }

  @Post('enroll/options')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Enroll a passkey as the first second factor, 1: creation options; needs the enrollment ticket',
  })
  @PreAuth()
  @ApiOkResponse({ type: CreationOptionsDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    403: 'An enrollment ticket is required (missing, wrong, expired or replaced: the same answer)',
    409: 'A second factor is already enrolled',
  })
  enrollmentOptions(
    @CurrentUser() principal: PreAuthenticatedUser,
    @Body() dto: SetupTwoFactorDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.webauthn.enrollmentOptions(principal, dto.enrollmentTicket, origin);
  }

  @Post('enroll/verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Enroll a passkey as the first second factor, 2: completes the login and returns recovery codes once',
  })
  @PreAuth()
  @ApiOkResponse({ type: EnrolledPasskeyDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    401: 'Invalid passkey registration, or a pre-auth token older than a credential change',
    403: 'An enrollment ticket is required (the one the options used was replaced or expired meanwhile)',
    409: 'A second factor is already enrolled, or this passkey is registered to another account',
  })
  enroll(
    @CurrentUser() principal: PreAuthenticatedUser,
    @Body() dto: RegistrationDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.webauthn.enroll(principal, dto.response, dto.name, origin);
  }
}
