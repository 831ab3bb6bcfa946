import { Injectable } from '@nestjs/common';
import { SecurityEvents } from '../audit/security-events.service';
import { AppConfigService } from '../config/app-config.service';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { SecondFactorReset } from '../factors/second-factor-reset.service';
import { TotpEnrollment, type PendingTotp } from '../factors/totp-enrollment.service';
import { TotpSecretVault } from '../factors/totp-secret-vault';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { CredentialRevocationService } from '../sessions/credential-revocation.service';
import { SessionListService, type ListedSession } from '../sessions/session-list.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy';
import type { User } from '../users/user.entity';
import { USERNAME_PATTERN, USERNAME_RULE } from '../users/username';
import { UsernameTakenError } from '../users/username-taken.error';
import { UsersService } from '../users/users.service';
import { CliError } from './cli-error';

export interface ResealReport {
  /** Stored TOTP secrets, enrolled and pending. */
  secrets: number;
  /** Of those, sealed under APP_SECRET_PREVIOUS and now under APP_SECRET. */
  resealed: number;
  /** Users with a secret that opens under neither: left as they are. */
  unreadable: string[];
}

export interface PendingEnrollment extends PendingTotp {
  user: User;
}

/** The operator's actions, on the same services (and so the same rules) as the API. */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly credentials: CredentialRevocationService,
    private readonly sessionList: SessionListService,
    private readonly tickets: EnrollmentTicketsService,
    private readonly lockout: AccountLockoutService,
    private readonly enrollment: TotpEnrollment,
    private readonly reset2fa: SecondFactorReset,
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

  /** A new user and its first enrollment ticket, for the operator to hand over out of band. */
  async createUser(username: string, password: string): Promise<{ user: User; enrollmentTicket: string }> {
    this.validateUsername(username);
    const problem = this.passwordProblem(username, password);
    if (problem) throw new CliError(problem);
    let user: User;
    try {
      user = await this.users.create(username, await this.hasher.hash(password));
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new CliError(`User "${username}" already exists`);
      throw error;
    }
    const enrollmentTicket = await this.tickets.issue(user.id);
    this.events.recordCliAction('cli.user.created', { userId: user.id, username: user.username });
    return { user, enrollmentTicket };
  }

  /** A new enrollment ticket for a user without a second factor; the previous one stops working. */
  async issueEnrollmentTicket(user: User): Promise<string> {
    if (user.totpEnabled) {
      throw new CliError(
        `User "${user.username}" already has an authenticator: run user:reset-2fa, which prints a ticket`,
      );
    }
    const enrollmentTicket = await this.tickets.issue(user.id);
    this.events.recordCliAction('cli.user.enrollment_ticket', { userId: user.id, username: user.username });
    return enrollmentTicket;
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
    await this.lockout.reset({ username: user.username });
    this.events.recordCliAction('cli.user.unlocked', { userId: user.id, username: user.username });
  }

  /**
   * As POST /auth/2fa/reset: authenticator, recovery codes, every session
   * and device token go; the returned enrollment ticket is what the user
   * needs, besides the password, to enroll again.
   */
  async resetTwoFactor(user: User): Promise<string> {
    const enrollmentTicket = await this.reset2fa.resetAll(user.id);
    this.events.recordCliAction('cli.user.2fa_reset', { userId: user.id, username: user.username });
    return enrollmentTicket;
  }

  /** What GET /auth/sessions shows the user, read the same way; no session asks, so none is current. */
  listSessions(user: User): Promise<ListedSession[]> {
    return this.sessionList.listSessions(user.id, null);
  }

  async revokeSessions(user: User): Promise<void> {
    await this.credentials.revokeAll(user.id);
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
        {
          sealed: user.totpSecret,
          save: (previous: string, resealed: string) => this.users.resealTotpSecret(user.id, previous, resealed),
        },
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
    return { user, ...(await this.enrollment.begin(user, null)) };
  }

  /**
   * As POST /auth/2fa/enable: the code must be valid for the pending secret;
   * its step is recorded (no replay at the next login) and a fresh set of
   * recovery codes is issued. The operator at a terminal with the user is
   * the second proof here, so no ticket is asked for; any outstanding one is
   * voided with the enrollment. Returns null for a wrong code.
   */
  async completeEnrollment(pending: PendingEnrollment, code: string): Promise<string[] | null> {
    const { user } = pending;
    const checked = await this.enrollment.check(user.id, pending.sealed, code.trim());
    if (!checked) return null;
    const outcome = await this.enrollment.confirm(user.id, pending.sealed, checked, user.credentialVersion, 'void');
    if (!outcome.enrolled) {
      throw new CliError(
        'The enrollment changed meanwhile (another setup, enable or reset for this user): start again',
      );
    }
    this.events.recordCliAction('cli.user.enrolled', { userId: user.id, username: user.username });
    return outcome.recoveryCodes;
  }
}
