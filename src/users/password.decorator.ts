import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Bounded so nobody can make argon2 chew on megabytes; the policy's own limit (256) is stricter for new ones. */
export const PASSWORD_MAX_BYTES = 4096;

/**
 * A password field. `policy: true` marks a new password, which the password
 * policy judges with a helpful message (so emptiness is its call, not a
 * bare validation error); otherwise a present, bounded string.
 */
export function Password(options: { policy?: boolean } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      format: 'password',
      maxLength: PASSWORD_MAX_BYTES,
      ...(options.policy ? { description: 'Judged by the password policy (length, guessability)' } : {}),
    }),
    IsString(),
    MaxLength(PASSWORD_MAX_BYTES),
    ...(options.policy ? [] : [IsNotEmpty()]),
  );
}
