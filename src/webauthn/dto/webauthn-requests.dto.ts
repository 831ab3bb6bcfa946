import { ApiProperty } from '@nestjs/swagger';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** A passkey's label: what the user sees in the list. No control characters (they end up in logs and pages). */
const PASSKEY_NAME = /^[^\p{Cc}\p{Cf}]{1,64}$/u;

const passkeyName = () =>
  ApiProperty({
    minLength: 1,
    maxLength: 64,
    example: 'Laptop',
    description: "The passkey's label, shown in the list",
  });

/** The browser's answer to an assertion (navigator.credentials.get), as @simplewebauthn/browser returns it. */
export class AssertionDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'AuthenticationResponseJSON from @simplewebauthn/browser startAuthentication()',
  })
  @IsObject()
  response: AuthenticationResponseJSON;
}

/** Passwordless: the assertion, and the device token of this client's last full login, if any. */
export class PasswordlessAssertionDto extends AssertionDto {
  @ApiProperty({
    required: false,
    maxLength: 256,
    description: "The deviceToken of this client's last full login: failures then count against this device only",
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  deviceToken?: string;
}

export class RegistrationDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'RegistrationResponseJSON from @simplewebauthn/browser startRegistration()',
  })
  @IsObject()
  response: RegistrationResponseJSON;

  @passkeyName()
  @IsString()
  @Matches(PASSKEY_NAME, { message: 'name must be 1 to 64 characters, without control characters' })
  name: string;
}

export class RenamePasskeyDto {
  @passkeyName()
  @IsString()
  @Matches(PASSKEY_NAME, { message: 'name must be 1 to 64 characters, without control characters' })
  name: string;
}
