import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN, USERNAME_RULE } from './username';

/** A username field in a request: the validation rule and its OpenAPI description (pattern and length), written once. */
export function Username(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      pattern: USERNAME_PATTERN.source,
      minLength: USERNAME_MIN_LENGTH,
      maxLength: USERNAME_MAX_LENGTH,
      example: 'alice',
    }),
    IsString(),
    Matches(USERNAME_PATTERN, { message: USERNAME_RULE }),
  );
}
