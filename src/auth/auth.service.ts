import { BadRequestException, ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import type { FactorKind } from '../factors/second-factor';
import { SecondFactors } from '../factors/second-factors.service';
import { StepUpVerifier } from '../factors/step-up-verifier.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { CredentialRevocationService } from '../sessions/credential-revocation.service';
import { PreAuthTokenService } from '../tokens/pre-auth-token.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy';
import type { UserProfile } from '../users/user-profile';
import { UsernameTakenError } from '../users/username-taken.error';
import { UsersService } from '../users/users.service';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';

export interface RegisteredUser {
  id: string;
  username: string;
  enrollmentTicket: string;
}

export type LoginNext = 'totp-enroll' | 'totp-verify' | 'webauthn-verify';

export interface LoginResult {
  preAuthToken: string;
  expiresIn: number;
  next: LoginNext;
  /** The second factors the user has, for a client to offer the choice. */
  factors: Exclude<FactorKind, 'recovery-code'>[];
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly lockout: AccountLockoutService,
    private readonly preAuthTokens: PreAuthTokenService,
    private readonly stepUp: StepUpVerifier,
    private readonly factors: SecondFactors,
    private readonly tickets: EnrollmentTicketsService,
    private readonly devices: DeviceTokensService,
    private readonly credentials: CredentialRevocationService,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * The registrant is the only one who ever sees this account's first
   * enrollment ticket: whoever later learns the password alone still cannot
   * enroll an authenticator in the owner's place.
   */
  async register(dto: RegisterDto, origin: RequestOrigin): Promise<RegisteredUser> {
    const problem = this.policy.check(dto.password, [dto.username]);
    if (problem) throw new BadRequestException(problem);
    let user;
    try {
      user = await this.users.create(dto.username, await this.hasher.hash(dto.password));
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new ConflictException('This username is taken');
      throw error;
    }
    const enrollmentTicket = await this.tickets.issue(user.id);
    this.events.record('auth.register', origin, { userId: user.id, username: user.username });
    return { id: user.id, username: user.username, enrollmentTicket };
  }

  /**
   * The first factor. Unknown user and wrong password take the same path,
   * the same argon2 work (against a dummy hash) and end in the same 401, so
   * neither the body nor the time tells which one it was.
   *
   * A device token of this user moves the attempt from the account's
   * untrusted counter to that device's own, and binds the pre-auth token to
   * the device; any other token (unknown, expired, another user's) counts as
   * none, with no different answer.
   */
  async login(dto: LoginDto, origin: RequestOrigin): Promise<LoginResult> {
    const user = await this.users.findByUsername(dto.username);
    const deviceId = await this.devices.resolve(dto.deviceToken, user?.id);
    const subject = { username: dto.username, deviceId };
    await this.lockout.reserveAttempt(subject, origin);
    const valid = user
      ? await this.hasher.verify(user.passwordHash, dto.password)
      : await this.hasher.verifyAgainstDummy(dto.password);
    if (!user || !valid) {
      // The submitted username, not whether it exists: the log reader may know, the client may not.
      this.events.record('auth.login.failed', origin, {
        username: dto.username,
        deviceId: deviceId ?? undefined,
        reason: 'invalid-credentials',
      });
      throw new UnauthorizedException('Invalid username or password');
    }
    await this.lockout.refundAttempt(subject);
    const { token, expiresIn } = this.preAuthTokens.issue(user.id, user.credentialVersion, deviceId);
    const factors = (await this.factors.enrolled(user)) as LoginResult['factors'];
    // A user with an authenticator app is asked for a code as before (a passkey is offered through `factors`).
    const next: LoginNext = factors.includes('totp')
      ? 'totp-verify'
      : factors.includes('webauthn')
        ? 'webauthn-verify'
        : 'totp-enroll';
    this.events.record('auth.login.password_ok', origin, { userId: user.id, deviceId: deviceId ?? undefined, next });
    return { preAuthToken: token, expiresIn, next, factors };
  }

  /** Needs the current password and a current code; every session and device token ends, this one included. */
  async changePassword(principal: AuthenticatedUser, dto: ChangePasswordDto, origin: RequestOrigin): Promise<void> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new UnauthorizedException();
    const problem = this.policy.check(dto.newPassword, [user.username]);
    if (problem) throw new BadRequestException(problem);
    await this.stepUp.verify(
      user,
      {
        password: { value: dto.currentPassword, failureEvent: 'auth.password.change_failed' },
        proof: dto.code === undefined ? undefined : { kind: 'totp', code: dto.code },
        authTime: principal.authTime,
      },
      origin,
    );
    await this.users.setPasswordHash(user.id, await this.hasher.hash(dto.newPassword));
    await this.credentials.revokeAll(user.id);
    this.events.record('auth.password.changed', origin, { userId: user.id });
  }

  async me(userId: string): Promise<UserProfile> {
    const profile = await this.users.findProfile(userId);
    if (!profile) throw new UnauthorizedException();
    return profile;
  }
}
