import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { AbsentOrValid } from '../common/absent-or-valid.decorator';

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
 * The code of a sensitive change: optional when the access token is fresh
 * (its session proved a factor in the last 5 minutes: a login or a step-up);
 * the service decides, and the field is validated whenever it is sent.
 */
export function StepUpCode(): PropertyDecorator {
  return applyDecorators(
    TotpCode({
      required: false,
      description:
        'The current 6-digit code from the authenticator app; optional when the access token is fresh (a login ' +
        'or POST /auth/step-up in the last 5 minutes). A stale token without a code gets 401 with the RFC 9470 ' +
        'challenge (max_age=300)',
    }),
    AbsentOrValid(),
  );
}
