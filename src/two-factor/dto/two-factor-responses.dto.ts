import { ApiProperty } from '@nestjs/swagger';
import { ISSUED_RECOVERY_CODE, RECOVERY_CODES_PER_SET } from '../../factors/recovery-code.decorator';
import { RANDOM_TOKEN } from '../../openapi/string-formats';
import { SessionTokensDto } from '../../sessions/dto/session-tokens.dto';
import type { TotpSetup } from '../two-factor.service';

const RECOVERY_CODES = {
  type: 'array',
  items: { type: 'string', ...ISSUED_RECOVERY_CODE },
  minItems: RECOVERY_CODES_PER_SET,
  maxItems: RECOVERY_CODES_PER_SET,
  description: 'Shown once: each works once, in place of a TOTP code at /auth/2fa/verify',
} as const;

/** Response shapes of the /auth/2fa routes, for the OpenAPI document. */
export class TotpSetupDto implements TotpSetup {
  /** 20 random bytes (RFC 4226's recommendation), RFC 4648 base32 without padding. */
  @ApiProperty({
    pattern: '^[A-Z2-7]{32}$',
    minLength: 32,
    maxLength: 32,
    description: 'Base32 TOTP secret, for manual entry into the authenticator',
  })
  secret: string;

  /** Bounded by TOTP_ISSUER (64) and the username (64), even percent-encoded. */
  @ApiProperty({
    format: 'uri',
    maxLength: 2048,
    example:
      'otpauth://totp/nest-2fa-api:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=nest-2fa-api' +
      '&algorithm=SHA1&digits=6&period=30',
  })
  otpauthUrl: string;

  /** The QR code of the longest possible otpauth URL is about 17,000 characters. */
  @ApiProperty({
    pattern: '^data:image/png;base64,[A-Za-z0-9+/]+=*$',
    maxLength: 32768,
    description: 'The otpauth URL as a PNG QR code (data: URL)',
  })
  qrCodeDataUrl: string;
}

export class RecoveryCodesDto {
  @ApiProperty(RECOVERY_CODES)
  recoveryCodes: string[];
}

export class EnrollmentTicketDto {
  @ApiProperty({
    ...RANDOM_TOKEN,
    description: 'Shown once: the one-time ticket /auth/2fa/setup asks for before a new authenticator is enrolled',
  })
  enrollmentTicket: string;
}

/** A completed login: the session's tokens and the device token for the next password step. */
export class FullLoginDto extends SessionTokensDto {
  @ApiProperty({
    ...RANDOM_TOKEN,
    description:
      'Send it back with the next POST /auth/login: failures that come with it count against this device only, ' +
      'so an attacker locking the account does not lock this device out. Changes at every login',
  })
  deviceToken: string;
}

export class EnabledTwoFactorDto extends FullLoginDto {
  @ApiProperty(RECOVERY_CODES)
  recoveryCodes: string[];
}

export class VerifiedDto extends FullLoginDto {
  @ApiProperty({ required: false, description: 'Present when a recovery code was used: how many are left' })
  recoveryCodesRemaining?: number;
}
