import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, ValidateIf } from 'class-validator';
import { TotpCode } from '../../factors/totp-code.decorator';

/** Either a TOTP code or a recovery code; the service refuses both at once. */
export class VerifyDto {
  @ValidateIf((dto: VerifyDto) => dto.recoveryCode === undefined || dto.code !== undefined)
  @TotpCode({ required: false, description: 'The current 6-digit code; send this or recoveryCode' })
  code?: string;

  @ApiProperty({
    required: false,
    pattern: '^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$',
    example: 'abcde-23456',
    description: 'A one-time recovery code, instead of code',
  })
  @ValidateIf((dto: VerifyDto) => dto.code === undefined || dto.recoveryCode !== undefined)
  @IsString()
  @Matches(/^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/, { message: 'recoveryCode must look like xxxxx-xxxxx' })
  recoveryCode?: string;
}
