import { Injectable } from '@nestjs/common';
import { SecurityEvents } from '../audit/security-events.service';
import { USERNAME_PATTERN, USERNAME_RULE } from '../auth/dto/register.dto';
import { AppConfigService } from '../config/app-config.service';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { SessionsService } from '../sessions/sessions.service';
import { RecoveryCodesService } from '../two-factor/recovery-codes.service';
import { TotpSecretVault } from '../two-factor/totp-secret-vault';
import { TotpService } from '../two-factor/totp.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { UsernameTakenError } from '../users/username-taken.error';
import { CliError } from './cli-error';


export interface ResealReport {
  /** Stored TOTP secrets, enrolled and pending. */
  secrets: number;
  /** Of those, sealed under APP_SECRET_PREVIOUS and now under APP_SECRET. */
  resealed: number;
  /** Users with a secret that opens under neither: left as they are. */
  unreadable: string[];
}

export interface PendingEnrollment {
  user: User;
  secret: string;
  otpauthUrl: string;
  sealed: string;
}

/** The operator's actions, on the same services (and so the same rules) as the API. */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly sessions: SessionsService,
    private readonly lockout: AccountLockoutService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly totp: TotpService,
    private readonly vault: TotpSecretVault,
    private readonly config: AppConfigService,
    private readonly events: SecurityEvents,
  ) {}

  get sharedStore(): boolean {
    return Boolean(this.config.app.redis.url);
  }

  validateUsername(username: string): void {
    // The API's own rule: the CLI must not create users the API could not.
    if (!USERNAME_PATTERN.test(username)) throw new CliError(`Invalid username: ${USERNAME_RULE}`);
  }

  /** Null when acceptable, otherwise the policy's message (the API's own PasswordPolicy). */
  passwordProblem(username: string, password: string): string | null {
    return this.policy.check(password, [username]);
  }

  async createUser(username: string, password: string): Promise<User> {
    this.validateUsername(username);
    const problem = this.passwordProblem(username, password);
    if (problem) throw new CliError(problem);
    try {
      const user = await this.users.create(username, await this.hasher.hash(password));
      this.events.recordCliAction('cli.user.created', { userId: user.id, username: user.username });
      return user;
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new CliError(`User "${username}" already exists`);
      throw error;
    }
  }

  list(): Promise<User[]> {
    return this.users.list();
  }

  async findUser(username: string): Promise<User> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new CliError(`Unknown user "${username}"`);
    return user;
  }

  lockoutStatus(user: User) {
    return this.lockout.status(user.username);
  }

  async unlock(user: User): Promise<void> {
    await this.lockout.reset(user.username);
    this.events.recordCliAction('cli.user.unlocked', { userId: user.id, username: user.username });
  }

  /** As POST /auth/2fa/reset: authenticator, recovery codes and every session go. */
  async resetTwoFactor(user: User): Promise<void> {
    await this.users.removeTotp(user.id);
    await this.recoveryCodes.removeAll(user.id);
    await this.sessions.endAllForUser(user.id);
    this.events.recordCliAction('cli.user.2fa_reset', { userId: user.id, username: user.username });
  }

  async revokeSessions(user: User): Promise<void> {
    await this.sessions.endAllForUser(user.id);
    this.events.recordCliAction('cli.sessions.revoked', { userId: user.id, username: user.username });
  }

  /**
   * After an APP_SECRET rotation: every stored TOTP secret, enrolled or
   * pending, that is still sealed under APP_SECRET_PREVIOUS is re-sealed
   * under APP_SECRET now (as a login would, one conditional update each),
   * so that APP_SECRET_PREVIOUS can go without waiting for every user to log
   * in. A secret that opens under neither is reported and left alone.
   */
  async resealTotpSecrets(): Promise<ResealReport> {
    const report: ResealReport = { secrets: 0, resealed: 0, unreadable: [] };
    for (const user of await this.users.list()) {
      const stored = [
        { sealed: user.totpSecret, save: (previous: string, resealed: string) => this.users.resealTotpSecret(user.id, previous, resealed) },
        {
          sealed: user.totpPendingSecret,
          save: (previous: string, resealed: string) => this.users.resealPendingTotpSecret(user.id, previous, resealed),
        },
      ];
      for (const { sealed, save } of stored) {
        if (!sealed) continue;
        report.secrets += 1;
        let resealed: string | undefined;
        try {
          resealed = this.vault.open(sealed, user.id).resealed;
        } catch {
          if (!report.unreadable.includes(user.username)) report.unreadable.push(user.username);
          continue;
        }
        if (resealed) {
          await save(sealed, resealed);
          report.resealed += 1;
        }
      }
    }
    this.events.recordCliAction('cli.secrets.resealed', {
      secrets: report.secrets,
      resealed: report.resealed,
      unreadable: report.unreadable.length,
    });
    return report;
  }

  /** As POST /auth/2fa/setup: a fresh secret, stored sealed as the pending one. */
  async beginEnrollment(user: User): Promise<PendingEnrollment> {
    if (user.totpEnabled) {
      throw new CliError(`User "${user.username}" already has an authenticator: run user:reset-2fa first`);
    }
    const secret = this.totp.generateSecret();
    const sealed = this.vault.seal(secret, user.id);
    await this.users.setPendingTotpSecret(user.id, sealed);
    return { user, secret, sealed, otpauthUrl: this.totp.keyUri(user.username, secret) };
  }

  /**
   * As POST /auth/2fa/enable: the code must be valid for the pending secret;
   * its step is recorded (no replay at the next login) and a fresh set of
   * recovery codes is issued. Returns null for a wrong code.
   */
  async completeEnrollment(pending: PendingEnrollment, code: string): Promise<string[] | null> {
    const result = await this.totp.verify(pending.secret, code.trim(), null);
    if (!result.valid) return null;
    if (!(await this.users.enableTotp(pending.user.id, pending.sealed, result.timeStep))) {
      throw new CliError('The enrollment changed meanwhile (another setup or enable for this user): start again');
    }
    const recoveryCodes = await this.recoveryCodes.replace(pending.user.id);
    this.events.recordCliAction('cli.user.enrolled', { userId: pending.user.id, username: pending.user.username });
    return recoveryCodes;
  }
}
