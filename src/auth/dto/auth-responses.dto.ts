import { ApiProperty } from '@nestjs/swagger';
import type { LoginResult, RegisteredUser } from '../auth.service';

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
    enum: ['totp-enroll', 'totp-verify'],
    description: 'totp-enroll: call /auth/2fa/setup then /auth/2fa/enable; totp-verify: call /auth/2fa/verify',
  })
  next: 'totp-enroll' | 'totp-verify';
}

export class MeResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty()
  twoFactorEnabled: boolean;
}
