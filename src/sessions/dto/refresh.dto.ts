import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { RANDOM_TOKEN } from '../../openapi/string-formats';

export class RefreshDto {
  /** 32 random bytes in base64url: anything else cannot be a refresh token. */
  @ApiProperty({ ...RANDOM_TOKEN, description: 'The latest refresh token of the session (each one works once)' })
  @IsString()
  @Matches(new RegExp(RANDOM_TOKEN.pattern), { message: 'refreshToken is not a refresh token' })
  refreshToken: string;
}
