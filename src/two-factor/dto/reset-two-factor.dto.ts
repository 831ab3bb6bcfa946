import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

export class ResetTwoFactorDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password: string;

  @IsString()
  @Matches(/^[0-9]{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}
