import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, ValidateIf } from 'class-validator';

/** Either a TOTP code or a recovery code; the service refuses both at once. */
export class VerifyDto {
  /** ASCII digits only: other scripts' digits or spaces are a 400, not a guess. */
  @ApiProperty({
    required: false,
    pattern: '^[0-9]{6}$',
    example: '123456',
    description: 'The current 6-digit code; send this or recoveryCode',
  })
  @ValidateIf((dto: VerifyDto) => dto.recoveryCode === undefined || dto.code !== undefined)
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
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
