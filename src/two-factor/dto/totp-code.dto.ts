import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class TotpCodeDto {
  /** ASCII digits only: other scripts' digits or spaces are a 400, not a guess. */
  @ApiProperty({
    description: 'The current 6-digit code from the authenticator app',
    pattern: '^[0-9]{6}$',
    example: '123456',
  })
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
