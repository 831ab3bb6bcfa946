import { ApiProperty } from '@nestjs/swagger';
import { COMPACT_JWS, RANDOM_TOKEN } from '../../openapi/string-formats';
import { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from '../../users/username';
import type { LoginNext, LoginResult, RegisteredUser } from '../auth.service';

const USERNAME = {
  pattern: USERNAME_PATTERN.source,
  minLength: USERNAME_MIN_LENGTH,
  maxLength: USERNAME_MAX_LENGTH,
  example: 'alice',
} as const;

/** Response shapes of AuthController, for the OpenAPI document. */
export class RegisteredUserDto implements RegisteredUser {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty(USERNAME)
  username: string;

  @ApiProperty({
    ...RANDOM_TOKEN,
    description:
      'Shown once, to the registrant only: /auth/2fa/setup asks for it before the first authenticator is enrolled',
  })
  enrollmentTicket: string;
}

export class LoginResponseDto implements LoginResult {
  @ApiProperty({
    ...COMPACT_JWS,
    description: 'Send as a bearer token (scheme "pre-auth") to /auth/2fa/setup, enable or verify',
  })
  preAuthToken: string;

  @ApiProperty({ description: 'Seconds until the pre-auth token expires', example: 300 })
  expiresIn: number;

  @ApiProperty({
    enum: ['totp-enroll', 'totp-verify', 'webauthn-verify'],
    description:
      'totp-enroll: no second factor yet: /auth/2fa/setup then /auth/2fa/enable (or a passkey: ' +
      '/auth/webauthn/enroll/options then /enroll/verify); totp-verify: /auth/2fa/verify; ' +
      'webauthn-verify (passkeys only): /auth/webauthn/authenticate/options then /authenticate/verify',
  })
  next: LoginNext;

  @ApiProperty({
    enum: ['totp', 'webauthn'],
    isArray: true,
    maxItems: 2,
    description: 'The second factors of the account (empty until one is enrolled); recovery codes work beside any',
  })
  factors: LoginResult['factors'];
}

export class MeResponseDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id: string;

  @ApiProperty(USERNAME)
  username: string;

  @ApiProperty()
  twoFactorEnabled: boolean;
}
