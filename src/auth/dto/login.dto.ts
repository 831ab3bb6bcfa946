import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Password } from '../../users/password.decorator';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../users/username';

export class LoginDto {
  @ApiProperty({ pattern: USERNAME_PATTERN.source, example: 'alice' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  /** No rule at login beyond the bound: a wrong password is just wrong. */
  @Password()
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
