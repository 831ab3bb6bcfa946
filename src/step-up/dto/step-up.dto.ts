import { ApiPropertyOptional } from '@nestjs/swagger';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { IsObject } from 'class-validator';
import { AbsentOrValid } from '../../common/absent-or-valid.decorator';
import { RecoveryCode } from '../../factors/recovery-code.decorator';
import { TotpCode } from '../../factors/totp-code.decorator';

/** POST /auth/step-up: exactly one proof (the service refuses none and more than one with 400). */
export class StepUpDto {
  @TotpCode({
    required: false,
    description: 'The current 6-digit code; send exactly one of code, recoveryCode, response',
  })
  @AbsentOrValid()
  code?: string;

  @RecoveryCode({ required: false, description: 'A one-time recovery code (spent by its use), instead of code' })
  @AbsentOrValid()
  recoveryCode?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'A passkey assertion (AuthenticationResponseJSON from @simplewebauthn/browser startAuthentication()) ' +
      'answering the options of POST /auth/step-up/webauthn/options, instead of code',
  })
  @AbsentOrValid()
  @IsObject()
  response?: AuthenticationResponseJSON;
}
