import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/**
 * A recovery code as users type it: ten base32 characters, either case,
 * the dash between the halves optional (as issued: xxxxx-xxxxx).
 */
const RECOVERY_CODE_INPUT = /^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/;

/** As issued: lower-case base32, dash in the middle. */
export const ISSUED_RECOVERY_CODE = { pattern: '^[a-z2-7]{5}-[a-z2-7]{5}$', minLength: 11, maxLength: 11 } as const;

/** How many codes one set has, as RecoveryCodesService issues them (test/openapi.e2e-spec.ts checks real sets). */
export const RECOVERY_CODES_PER_SET = 10;

/** A recovery-code field in a request: the validation rule and its OpenAPI description, written once. */
export function RecoveryCode(options: { required?: boolean; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: options.required ?? true,
      description: options.description ?? 'A one-time recovery code',
      pattern: RECOVERY_CODE_INPUT.source,
      minLength: 10,
      maxLength: 11,
      example: 'abcde-23456',
    }),
    IsString(),
    Matches(RECOVERY_CODE_INPUT, { message: 'recoveryCode must look like xxxxx-xxxxx' }),
  );
}
