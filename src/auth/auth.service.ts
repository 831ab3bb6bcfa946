import { BadRequestException, ConflictException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { PreAuthTokenService } from '../tokens/pre-auth-token.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy';
import { UsernameTakenError } from '../users/username-taken.error';
import { UsersService } from '../users/users.service';
import { SessionsService } from '../sessions/sessions.service';
import type { AuthenticatedUser } from '../tokens/token-types';
import { TotpCheckerService } from '../two-factor/totp-checker.service';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';

export interface LoginResult {
  preAuthToken: string;
  expiresIn: number;
  next: 'totp-enroll' | 'totp-verify';
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly lockout: AccountLockoutService,
    private readonly preAuthTokens: PreAuthTokenService,
    private readonly totpChecker: TotpCheckerService,
    private readonly sessions: SessionsService,
  ) {}

  async register(dto: RegisterDto): Promise<{ id: string; username: string }> {
    const problem = this.policy.check(dto.password, [dto.username]);
    if (problem) throw new BadRequestException(problem);
    try {
      const user = await this.users.create(dto.username, await this.hasher.hash(dto.password));
      this.logger.log(`registered user ${user.id}`);
      return { id: user.id, username: user.username };
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new ConflictException('This username is taken');
      throw error;
    }
  }

  /**
   * The first factor. Unknown user and wrong password take the same path,
   * the same argon2 work (against a dummy hash) and end in the same 401, so
   * neither the body nor the time tells which one it was.
   */
  async login(dto: LoginDto): Promise<LoginResult> {
    await this.lockout.reserveAttempt(dto.username);
    const user = await this.users.findByUsername(dto.username);
    const valid = user
      ? await this.hasher.verify(user.passwordHash, dto.password)
      : await this.hasher.verifyAgainstDummy(dto.password);
    if (!user || !valid) {
      this.logger.warn('login failed: invalid username or password');
      throw new UnauthorizedException('Invalid username or password');
    }
    await this.lockout.refundAttempt(dto.username);
    const { token, expiresIn } = this.preAuthTokens.issue(user.id);
    return { preAuthToken: token, expiresIn, next: user.totpEnabled ? 'totp-verify' : 'totp-enroll' };
  }

  /** Needs the current password and a current code; every session ends, this one included. */
  async changePassword(principal: AuthenticatedUser, dto: ChangePasswordDto): Promise<void> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    const problem = this.policy.check(dto.newPassword, [user.username]);
    if (problem) throw new BadRequestException(problem);
    await this.lockout.reserveAttempt(user.username);
    if (!(await this.hasher.verify(user.passwordHash, dto.currentPassword))) {
      throw new UnauthorizedException('Invalid password or code');
    }
    await this.totpChecker.check(user, dto.code);
    await this.lockout.refundAttempt(user.username);
    await this.users.setPasswordHash(user.id, await this.hasher.hash(dto.newPassword));
    await this.sessions.endAllForUser(user.id);
    this.logger.log(`password changed for user ${user.id}`);
  }

  async me(userId: string): Promise<{ id: string; username: string; twoFactorEnabled: boolean }> {
    const user = await this.users.findById(userId);
    if (!user) throw new UnauthorizedException();
    return { id: user.id, username: user.username, twoFactorEnabled: user.totpEnabled };
  }
}
