import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from './register.dto';

export class LoginDto {
  @ApiProperty({ pattern: USERNAME_PATTERN.source, example: 'alice' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  /** Bounded so nobody can make argon2 chew on megabytes; no other rule at login. */
  @ApiProperty({ maxLength: 4096, format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password: string;
}
