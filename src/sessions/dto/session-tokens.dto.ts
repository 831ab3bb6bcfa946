import { ApiProperty } from '@nestjs/swagger';
import type { SessionTokens } from '../session-tokens.service';

/** What a completed login or a refresh returns, for the OpenAPI document. */
export class SessionTokensDto implements SessionTokens {
  @ApiProperty({ description: 'Send as a bearer token (scheme "access-token")' })
  accessToken: string;

  @ApiProperty({
    pattern: '^[A-Za-z0-9_-]{43}$',
    description: 'Single use: POST it to /auth/refresh for the next pair',
  })
  refreshToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn: number;
}
