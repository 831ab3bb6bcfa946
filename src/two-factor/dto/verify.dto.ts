import { IsString, Matches, ValidateIf } from 'class-validator';

/** Either a TOTP code or a recovery code; the service refuses both at once. */
export class VerifyDto {
  /** ASCII digits only: other scripts' digits or spaces are a 400, not a guess. */
  @ValidateIf((dto: VerifyDto) => dto.recoveryCode === undefined || dto.code !== undefined)
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
  code?: string;

  @ValidateIf((dto: VerifyDto) => dto.code === undefined || dto.recoveryCode !== undefined)
  @IsString()
  @Matches(/^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/, { message: 'recoveryCode must look like xxxxx-xxxxx' })
  recoveryCode?: string;
}
