import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]{3,64}$/;
export const USERNAME_RULE = 'username must be 3 to 64 characters of A-Z a-z 0-9 . _ @ + -';

export class RegisterDto {
  @ApiProperty({ pattern: USERNAME_PATTERN.source, example: 'alice' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  /** Length and guessability are judged by the password policy, with a helpful message. */
  @ApiProperty({
    maxLength: 4096,
    format: 'password',
    description: 'Judged by the password policy (length, guessability)',
  })
  @IsString()
  @MaxLength(4096)
  password: string;
}
