import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EnabledTwoFactorDto } from '../../two-factor/dto/two-factor-responses.dto';

export class PasskeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Laptop' })
  name: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastUsedAt: string | null;

  @ApiProperty({ description: "Synced by the platform to the user's other devices (a multi-device passkey)" })
  backedUp: boolean;
}

export class RegisteredPasskeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Laptop' })
  name: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

/** PublicKeyCredentialCreationOptionsJSON, for @simplewebauthn/browser startRegistration({ optionsJSON }). */
export class CreationOptionsDto {
  @ApiProperty({ type: 'object', additionalProperties: true, example: { name: 'Nest2FA', id: 'localhost' } })
  rp: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true })
  user: Record<string, unknown>;

  @ApiProperty({ description: '32 random bytes, base64url; single use, valid 5 minutes' })
  challenge: string;

  @ApiProperty({ type: 'array', items: { type: 'object' } })
  pubKeyCredParams: Record<string, unknown>[];

  @ApiProperty({ required: false })
  timeout?: number;

  @ApiProperty({ type: 'array', items: { type: 'object' }, required: false })
  excludeCredentials?: Record<string, unknown>[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  authenticatorSelection?: Record<string, unknown>;

  @ApiProperty({ enum: ['none'], required: false })
  attestation?: string;
}

/** PublicKeyCredentialRequestOptionsJSON, for @simplewebauthn/browser startAuthentication({ optionsJSON }). */
export class RequestOptionsDto {
  @ApiProperty({ description: '32 random bytes, base64url; single use, valid 5 minutes' })
  challenge: string;

  @ApiProperty({ required: false })
  timeout?: number;

  @ApiProperty({ required: false })
  rpId?: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    required: false,
    description: "The user's passkeys; empty for passwordless (the authenticator offers its discoverable ones)",
  })
  allowCredentials?: Record<string, unknown>[];

  @ApiProperty({ enum: ['required', 'preferred', 'discouraged'], required: false })
  userVerification?: string;
}

/** A passkey enrolled as the first factor: the login completes, and the recovery codes are shown once. */
export class EnrolledPasskeyDto extends EnabledTwoFactorDto {}
