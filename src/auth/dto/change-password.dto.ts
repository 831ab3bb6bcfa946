import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class ChangePasswordDto {
  @ApiProperty({ maxLength: 4096, format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  currentPassword: string;

  /** Judged by the password policy, with a helpful message. */
  @ApiProperty({
    maxLength: 4096,
    format: 'password',
    description: 'Judged by the password policy (length, guessability)',
  })
  @IsString()
  @MaxLength(4096)
  newPassword: string;

  @ApiProperty({
    description: 'The current 6-digit code from the authenticator app',
    pattern: '^[0-9]{6}$',
    example: '123456',
  })
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
