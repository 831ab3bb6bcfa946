import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_PASSKEYS } from '../../factors/webauthn-credentials.service';
import { ISO_DATE_TIME, UUID } from '../../openapi/string-formats';
import { EnabledTwoFactorDto } from '../../two-factor/dto/two-factor-responses.dto';

const NAME = { example: 'Laptop', minLength: 1, maxLength: 64 } as const;
/** 32 random bytes, base64url. */
const CHALLENGE = {
  description: '32 random bytes, base64url; single use, valid 5 minutes',
  minLength: 43,
  maxLength: 43,
} as const;

export class PasskeyDto {
  @ApiProperty(UUID)
  id: string;

  @ApiProperty(NAME)
  name: string;

  @ApiProperty(ISO_DATE_TIME)
  createdAt: string;

  @ApiProperty({ ...ISO_DATE_TIME, nullable: true, type: String })
  lastUsedAt: string | null;

  @ApiProperty({ description: "Synced by the platform to the user's other devices (a multi-device passkey)" })
  backedUp: boolean;
}

export class RegisteredPasskeyDto {
  @ApiProperty(UUID)
  id: string;

  @ApiProperty(NAME)
  name: string;

  @ApiProperty(ISO_DATE_TIME)
  createdAt: string;
}

/** PublicKeyCredentialCreationOptionsJSON, for @simplewebauthn/browser startRegistration({ optionsJSON }). */
export class CreationOptionsDto {
  @ApiProperty({ type: 'object', additionalProperties: true, example: { name: 'Nest2FA', id: 'localhost' } })
  rp: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true })
  user: Record<string, unknown>;

  @ApiProperty(CHALLENGE)
  challenge: string;

  // ES256, EdDSA and RS256: the algorithms the server accepts.
  @ApiProperty({ type: 'array', items: { type: 'object' }, maxItems: 3 })
  pubKeyCredParams: Record<string, unknown>[];

  @ApiProperty({ required: false })
  timeout?: number;

  @ApiProperty({ type: 'array', items: { type: 'object' }, required: false, maxItems: MAX_PASSKEYS })
  excludeCredentials?: Record<string, unknown>[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  authenticatorSelection?: Record<string, unknown>;

  @ApiProperty({ enum: ['none'], required: false })
  attestation?: string;
}

/** PublicKeyCredentialRequestOptionsJSON, for @simplewebauthn/browser startAuthentication({ optionsJSON }). */
export class RequestOptionsDto {
  @ApiProperty(CHALLENGE)
  challenge: string;

  @ApiProperty({ required: false })
  timeout?: number;

  @ApiProperty({ required: false, maxLength: 253 })
  rpId?: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    required: false,
    maxItems: MAX_PASSKEYS,
    description: "The user's passkeys; empty for passwordless (the authenticator offers its discoverable ones)",
  })
  allowCredentials?: Record<string, unknown>[];

  @ApiProperty({ enum: ['required', 'preferred', 'discouraged'], required: false })
  userVerification?: string;
}

/** A passkey enrolled as the first factor: the login completes, and the recovery codes are shown once. */
export class EnrolledPasskeyDto extends EnabledTwoFactorDto {}
