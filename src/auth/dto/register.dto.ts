import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { Password } from '../../users/password.decorator';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../users/username';

export class RegisterDto {
  @ApiProperty({ pattern: USERNAME_PATTERN.source, example: 'alice' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  @Password({ policy: true })
  password: string;
}
