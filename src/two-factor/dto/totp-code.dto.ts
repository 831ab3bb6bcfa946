import { TotpCode } from '../../factors/totp-code.decorator';

export class TotpCodeDto {
  @TotpCode()
  code: string;
}
