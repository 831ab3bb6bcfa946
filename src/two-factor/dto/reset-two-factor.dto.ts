import { StepUpCode } from '../../factors/totp-code.decorator';
import { Password } from '../../users/password.decorator';

export class ResetTwoFactorDto {
  @Password()
  password: string;

  @StepUpCode()
  code?: string;
}
