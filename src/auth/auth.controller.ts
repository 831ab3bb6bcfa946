import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/authenticated.decorator';
import { CurrentUser } from '../access/current-user.decorator';
import type { AuthenticatedUser } from '../access/principal';
import { Public } from '../access/public.decorator';
import { Origin } from '../audit/origin.decorator';
import type { RequestOrigin } from '../audit/request-origin';
import { STALE_WITHOUT_CODE_401 } from '../factors/step-up-verifier.service';
import { ApiErrors, ApiJsonBodyErrors } from '../openapi/api-docs.decorators';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { AuthService } from './auth.service';
import { LoginResponseDto, MeResponseDto, RegisteredUserDto } from './dto/auth-responses.dto';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { RegistrationOpenGuard } from './registration-open.guard';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimit('login')
  @UseGuards(RegistrationOpenGuard)
  @Post('register')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an account (outside production, or with REGISTRATION_ENABLED=true)',
    description:
      'When registration is off the route answers 404, like a URL that does not exist. The password policy judges ' +
      'the password (length, guessability, closeness to the username). The response carries the enrollment ticket, ' +
      'shown this once. Registration shares the login rate limit.',
  })
  @ApiCreatedResponse({ type: RegisteredUserDto })
  @ApiJsonBodyErrors()
  @ApiErrors({
    400: 'The password fails the policy (too short, too guessable)',
    404: 'Registration is disabled (REGISTRATION_ENABLED=false)',
    409: 'This username is taken',
  })
  register(@Body() dto: RegisterDto, @Origin() origin: RequestOrigin) {
    return this.auth.register(dto, origin);
  }

  @Public()
  @RateLimit('login')
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Step 1 of login: check the password, get a pre-auth token for the second factor',
    description:
      'An unknown username and a wrong password get the same 401 after the same work. Repeated failures lock the ' +
      'account (429); failures that come with a valid deviceToken count against that device only. The pre-auth ' +
      'token opens /auth/2fa/setup, enable or verify, as `next` says, and nothing else.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiJsonBodyErrors()
  @ApiErrors({ 401: 'Invalid username or password (the same answer for an unknown user)' })
  login(@Body() dto: LoginDto, @Origin() origin: RequestOrigin) {
    return this.auth.login(dto, origin);
  }

  @Post('password')
  // A password and a code, like POST /auth/2fa/reset, and the same per-address budget: a stolen access
  // token must not buy password guesses at the default rate (the lockout counts them per account too).
  @RateLimit('2fa')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Change the password (needs the current password and a TOTP code); every session ends, this one included',
    description:
      'The password policy judges the new password. Failures count toward the account lockout. The code may be ' +
      'left out when the access token comes from a login or step-up (POST /auth/step-up) of the last 5 minutes; ' +
      'the current password never. Device tokens and pre-auth tokens issued before the change stop working too: ' +
      'log in again.',
  })
  @Authenticated()
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiJsonBodyErrors()
  @ApiErrors({ 400: 'The new password fails the policy', 401: `Invalid password or code. ${STALE_WITHOUT_CODE_401}` })
  changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ChangePasswordDto,
    @Origin() origin: RequestOrigin,
  ) {
    return this.auth.changePassword(user, dto, origin);
  }

  @Get('me')
  @ApiOperation({
    summary: 'The logged-in user',
    description: "The access token's user: id, username and whether two-factor authentication is enabled.",
  })
  @Authenticated()
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentUser() user: AuthenticatedUser) {
    return this.auth.me(user.id);
  }
}
