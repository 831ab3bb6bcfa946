import { ValidateIf } from 'class-validator';
import { RecoveryCode } from '../../factors/recovery-code.decorator';
import { TotpCode } from '../../factors/totp-code.decorator';

/** Either a TOTP code or a recovery code; the service refuses both at once. */
export class VerifyDto {
  @ValidateIf((dto: VerifyDto) => dto.recoveryCode === undefined || dto.code !== undefined)
  @TotpCode({ required: false, description: 'The current 6-digit code; send this or recoveryCode' })
  code?: string;

  @ValidateIf((dto: VerifyDto) => dto.code === undefined || dto.recoveryCode !== undefined)
  @RecoveryCode({ required: false, description: 'A one-time recovery code, instead of code' })
  recoveryCode?: string;
}
