import { ApiProperty } from '@nestjs/swagger';
import type { LoginNext, LoginResult, RegisteredUser } from '../auth.service';

/** Response shapes of AuthController, for the OpenAPI document. */
export class RegisteredUserDto implements RegisteredUser {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({
    description:
      'Shown once, to the registrant only: /auth/2fa/setup asks for it before the first authenticator is enrolled',
  })
  enrollmentTicket: string;
}

export class LoginResponseDto implements LoginResult {
  @ApiProperty({ description: 'Send as a bearer token (scheme "pre-auth") to /auth/2fa/setup, enable or verify' })
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
    description: 'The second factors of the account (empty until one is enrolled); recovery codes work beside any',
  })
  factors: LoginResult['factors'];
}

export class MeResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty()
  twoFactorEnabled: boolean;
}
