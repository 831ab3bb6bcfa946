import { StepUpCode } from '../../factors/totp-code.decorator';
import { Password } from '../../users/password.decorator';

export class ChangePasswordDto {
  @Password()
  currentPassword: string;

  @Password({ policy: true })
  newPassword: string;

  @StepUpCode()
  code?: string;
}
