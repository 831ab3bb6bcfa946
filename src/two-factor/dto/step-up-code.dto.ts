import { StepUpCode } from '../../factors/totp-code.decorator';

/** POST /auth/2fa/recovery-codes: a current code, or (passkey-only accounts) a fresh login. */
export class StepUpCodeDto {
  @StepUpCode()
  code?: string;
}
