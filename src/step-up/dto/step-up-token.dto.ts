import { ApiProperty } from '@nestjs/swagger';
import { COMPACT_JWS } from '../../openapi/string-formats';
import type { SteppedUp } from '../step-up.service';

/** POST /auth/step-up's answer: a new access token of the same session (the refresh token is unchanged). */
export class StepUpTokenDto implements SteppedUp {
  @ApiProperty({
    ...COMPACT_JWS,
    description:
      'Send as a bearer token (scheme "access-token"): auth_time is now, amr and acr are those of this step-up',
  })
  accessToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn: number;

  @ApiProperty({ required: false, description: 'Present when a recovery code was used: how many are left' })
  recoveryCodesRemaining?: number;
}
