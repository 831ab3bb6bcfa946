import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class RefreshDto {
  /** 32 random bytes in base64url: anything else cannot be a refresh token. */
  @ApiProperty({
    pattern: '^[A-Za-z0-9_-]{43}$',
    description: 'The latest refresh token of the session (each one works once)',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is not a refresh token' })
  refreshToken: string;
}
