import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../users/username';

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
