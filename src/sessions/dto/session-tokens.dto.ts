import { ApiProperty } from '@nestjs/swagger';
import { COMPACT_JWS, RANDOM_TOKEN } from '../../openapi/string-formats';
import type { SessionTokens } from '../session-tokens.service';

/** What a completed login or a refresh returns, for the OpenAPI document. */
export class SessionTokensDto implements SessionTokens {
  @ApiProperty({ ...COMPACT_JWS, description: 'Send as a bearer token (scheme "access-token")' })
  accessToken: string;

  @ApiProperty({ ...RANDOM_TOKEN, description: 'Single use: POST it to /auth/refresh for the next pair' })
  refreshToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn: number;
}
