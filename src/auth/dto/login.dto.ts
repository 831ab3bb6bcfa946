import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Password } from '../../users/password.decorator';
import { Username } from '../../users/username.decorator';

/** Longer than any device token issued (43 characters), so a token is never cut, yet bounded. */
const DEVICE_TOKEN_MAX_LENGTH = 256;

export class LoginDto {
  @Username()
  username: string;

  /** No rule at login beyond the bound: a wrong password is just wrong. */
  @Password()
  password: string;

  /** Any string up to the bound is accepted: an invalid token counts as none, it is never an error. */
  @ApiProperty({
    required: false,
    maxLength: DEVICE_TOKEN_MAX_LENGTH,
    description: "The deviceToken of this client's last full login: its failures then count against this device only",
  })
  @IsOptional()
  @IsString()
  @MaxLength(DEVICE_TOKEN_MAX_LENGTH)
  deviceToken?: string;
}
