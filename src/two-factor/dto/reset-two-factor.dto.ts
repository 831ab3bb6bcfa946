import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class ResetTwoFactorDto {
  @ApiProperty({ maxLength: 4096, format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password: string;

  @ApiProperty({
    description: 'The current 6-digit code from the authenticator app',
    pattern: '^[0-9]{6}$',
    example: '123456',
  })
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
