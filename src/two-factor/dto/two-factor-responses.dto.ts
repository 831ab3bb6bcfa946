import { ApiProperty } from '@nestjs/swagger';
import { SessionTokensDto } from '../../sessions/dto/session-tokens.dto';
import type { TotpSetup } from '../two-factor.service';

/** Response shapes of the /auth/2fa routes, for the OpenAPI document. */
export class TotpSetupDto implements TotpSetup {
  @ApiProperty({ description: 'Base32 TOTP secret, for manual entry into the authenticator' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/nest-2fa-api:alice?secret=…' })
  otpauthUrl: string;

  @ApiProperty({ description: 'The otpauth URL as a PNG QR code (data: URL)' })
  qrCodeDataUrl: string;
}

export class RecoveryCodesDto {
  @ApiProperty({
    type: [String],
    description: 'Shown once: each works once, in place of a TOTP code at /auth/2fa/verify',
  })
  recoveryCodes: string[];
}

export class EnrollmentTicketDto {
  @ApiProperty({
    description: 'Shown once: the one-time ticket /auth/2fa/setup asks for before a new authenticator is enrolled',
  })
  enrollmentTicket: string;
}

/** A completed login: the session's tokens and the device token for the next password step. */
export class FullLoginDto extends SessionTokensDto {
  @ApiProperty({
    description:
      'Send it back with the next POST /auth/login: failures that come with it count against this device only, ' +
      'so an attacker locking the account does not lock this device out. Changes at every login',
  })
  deviceToken: string;
}

export class EnabledTwoFactorDto extends FullLoginDto {
  @ApiProperty({
    type: [String],
    description: 'Shown once: each works once, in place of a TOTP code at /auth/2fa/verify',
  })
  recoveryCodes: string[];
}

export class VerifiedDto extends FullLoginDto {
  @ApiProperty({ required: false, description: 'Present when a recovery code was used: how many are left' })
  recoveryCodesRemaining?: number;
}
