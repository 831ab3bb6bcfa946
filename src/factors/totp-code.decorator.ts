import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** ASCII digits only: other scripts' digits or spaces are a 400, not a guess. */
const TOTP_CODE = /^[0-9]{6}$/;

/** A 6-digit TOTP code field: the validation rule and its OpenAPI description, written once. */
export function TotpCode(options: { required?: boolean; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: options.required ?? true,
      description: options.description ?? 'The current 6-digit code from the authenticator app',
      pattern: TOTP_CODE.source,
      minLength: 6,
      maxLength: 6,
      example: '123456',
    }),
    IsString(),
    Matches(TOTP_CODE, { message: 'code must be exactly 6 digits' }),
  );
}

/**
 * The code of a sensitive change: required from users with an authenticator
 * app, optional for passkey-only users whose login is fresh (the service
 * decides; the field is validated whenever it is sent).
 */
export function StepUpCode(): PropertyDecorator {
  return applyDecorators(
    TotpCode({
      required: false,
      description:
        'The current 6-digit code from the authenticator app; required unless the account has only passkeys ' +
        'and the access token comes from a login of the last 5 minutes',
    }),
    IsOptional(),
  );
}
