import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class ChangePasswordDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  currentPassword: string;

  /** Judged by the password policy, with a helpful message. */
  @IsString()
  @MaxLength(4096)
  newPassword: string;

  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
