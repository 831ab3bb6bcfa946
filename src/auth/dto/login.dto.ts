import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../users/username';

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

  /** Any string up to the bound is accepted: an invalid token counts as none, it is never an error. */
  @ApiProperty({
    required: false,
    maxLength: 256,
    description: "The deviceToken of this client's last full login: its failures then count against this device only",
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  deviceToken?: string;
}
