import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, QueryFailedError, Repository } from 'typeorm';
import type { UserProfile } from './user-profile';
import { User } from './user.entity';
import { UsernameTakenError } from './username-taken.error';

/** Persistence of users; every write that guards a security property is one conditional statement. */
@Injectable()
export class UsersService {
  /**
   * GET /auth/me reads this on every authenticated request. Written once, in
   * the engine's own placeholder syntax, and run as plain SQL: the query
   * builder behind findOneBy re-creates and re-escapes the same statement on
   * every call, the largest share of that route's time (figures:
   * docs/performance.md, "What the profiles changed").
   */
  private readonly profileSql: string;

  constructor(@InjectRepository(User) private readonly users: Repository<User>) {
    [this.profileSql] = users.manager.connection.driver.escapeQueryWithParameters(
      'SELECT id, username, totp_enabled FROM users WHERE id = :id',
      { id: '' },
    );
  }

  static normalize(username: string): string {
    return username.toLowerCase();
  }

  findByUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ usernameNormalized: UsersService.normalize(username) });
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async findProfile(id: string): Promise<UserProfile | null> {
    const rows: { id: string; username: string; totp_enabled: boolean | number }[] = await this.users.query(
      this.profileSql,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    // SQLite has no boolean type and answers 0 or 1; PostgreSQL answers true or false.
    return {
      id: row.id,
      username: row.username,
      twoFactorEnabled: row.totp_enabled === true || row.totp_enabled === 1,
    };
  }

  /** Every user, oldest first (the admin CLI's user:list). */
  list(): Promise<User[]> {
    return this.users.find({ order: { createdAt: 'ASC', usernameNormalized: 'ASC' } });
  }

  /** The unique index, not a prior lookup, decides: two racing registrations cannot both win. */
  async create(username: string, passwordHash: string): Promise<User> {
    const user = this.users.create({
      id: randomUUID(),
      username,
      usernameNormalized: UsersService.normalize(username),
      passwordHash,
      totpSecret: null,
      totpPendingSecret: null,
      totpEnabled: false,
      totpLastStep: null,
      totpPendingTicketId: null,
      credentialVersion: 0,
    });
    try {
      return await this.users.save(user);
    } catch (error) {
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) {
        throw new UsernameTakenError();
      }
      throw error;
    }
  }

  /** The pending secret remembers the enrollment ticket it was set up with (null when tickets are off). */
  async setPendingTotpSecret(userId: string, sealedSecret: string, ticketId: string | null): Promise<void> {
    await this.users.update(
      { id: userId, totpEnabled: false },
      { totpPendingSecret: sealedSecret, totpPendingTicketId: ticketId },
    );
  }

  /**
   * Enrolls the pending secret and records the step of the confirming code,
   * only if the user is still not enrolled, that exact pending secret is
   * still the one stored, and no credential change happened since the
   * password step: of two racing enables one wins, and none survives a reset.
   * `manager` lets it share the transaction that spends the ticket.
   */
  async enableTotp(
    userId: string,
    sealedSecret: string,
    step: number,
    credentialVersion: number,
    manager: EntityManager = this.users.manager,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(User)
      .set({
        totpSecret: sealedSecret,
        totpPendingSecret: null,
        totpPendingTicketId: null,
        totpEnabled: true,
        totpLastStep: step,
      })
      .where(
        'id = :id AND totp_enabled = :enabled AND totp_pending_secret = :sealed AND credential_version = :version',
        {
          id: userId,
          enabled: false,
          sealed: sealedSecret,
          version: credentialVersion,
        },
      )
      .execute();
    return result.affected === 1;
  }

  /**
   * Replay protection in one atomic statement: the step is recorded only if
   * it is newer than the last accepted one, so the same code presented twice
   * at the same moment (even to different instances sharing the database)
   * is accepted exactly once. The same statement requires the factor the
   * code was checked against to still be there: a 2FA reset (or any other
   * credential change) bumps the version, so a check that read the user
   * before a concurrent reset cannot be accepted after it.
   */
  async acceptTotpStep(userId: string, step: number, credentialVersion: number): Promise<boolean> {
    const result = await this.users
      .createQueryBuilder()
      .update(User)
      .set({ totpLastStep: step })
      .where(
        'id = :id AND totp_enabled = :enabled AND credential_version = :version AND (totp_last_step IS NULL OR totp_last_step < :step)',
        { id: userId, enabled: true, version: credentialVersion, step },
      )
      .execute();
    return result.affected === 1;
  }

  /** Ends what every earlier pre-auth token and in-flight login was based on. */
  async bumpCredentialVersion(userId: string): Promise<void> {
    await this.users
      .createQueryBuilder()
      .update(User)
      .set({ credentialVersion: () => 'credential_version + 1' })
      .where('id = :id', { id: userId })
      .execute();
  }

  async hasCredentialVersion(userId: string, credentialVersion: number): Promise<boolean> {
    return this.users.existsBy({ id: userId, credentialVersion });
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.users.update({ id: userId }, { passwordHash });
  }

  /** Lazy re-encryption after an APP_SECRET rotation: only if the row still holds what was read. */
  async resealTotpSecret(userId: string, previous: string, resealed: string): Promise<void> {
    await this.users.update({ id: userId, totpSecret: previous }, { totpSecret: resealed });
  }

  /** The same for a pending secret (set up, not yet confirmed with a code). */
  async resealPendingTotpSecret(userId: string, previous: string, resealed: string): Promise<void> {
    await this.users.update({ id: userId, totpPendingSecret: previous }, { totpPendingSecret: resealed });
  }

  /**
   * Removes the authenticator. The last accepted step stays: codes of a
   * re-enrolled authenticator are from a new secret anyway, and keeping it
   * costs nothing.
   */
  async removeTotp(userId: string): Promise<void> {
    await this.users.update(
      { id: userId },
      { totpSecret: null, totpPendingSecret: null, totpPendingTicketId: null, totpEnabled: false },
    );
  }
}
