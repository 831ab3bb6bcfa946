import { Password } from '../../users/password.decorator';
import { Username } from '../../users/username.decorator';

export class RegisterDto {
  @Username()
  username: string;

  @Password({ policy: true })
  password: string;
}
