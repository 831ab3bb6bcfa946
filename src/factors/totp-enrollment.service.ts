import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpSecretVault } from './totp-secret-vault';
import { TotpService } from './totp.service';

export interface PendingTotp {
  secret: string;
  otpauthUrl: string;
  /** The secret as stored: enrollment confirms exactly this one. */
  sealed: string;
}

export interface CheckedCode {
  timeStep: number;
  /** Set when the pending secret was sealed under APP_SECRET_PREVIOUS. */
  resealed?: string;
}

/**
 * What becomes of the enrollment ticket: the API spends the one the pending
 * secret was set up with; an enrollment without a ticket (the operator's
 * CLI, or tickets switched off) voids any outstanding one.
 */
export type TicketUse = { spend: string } | 'void';

export type EnrollmentOutcome =
  { enrolled: true; recoveryCodes: string[] } | { enrolled: false; reason: 'ticket-voided' | 'changed' };

/** Thrown inside the enrollment transaction to roll it back. */
class EnrollmentRefused extends Error {
  constructor(readonly reason: 'ticket-voided' | 'changed') {
    super(reason);
  }
}

/** Enrolling an authenticator: a pending secret, then its first code. Shared by the API and the CLI. */
@Injectable()
export class TotpEnrollment {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly vault: TotpSecretVault,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly tickets: EnrollmentTicketsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** A fresh secret, stored sealed as the pending one (replacing any earlier pending secret). */
  async begin(user: User, ticketId: string | null): Promise<PendingTotp> {
    const secret = this.totp.generateSecret();
    const sealed = this.vault.seal(secret, user.id);
    await this.users.setPendingTotpSecret(user.id, sealed, ticketId);
    return { secret, sealed, otpauthUrl: this.totp.keyUri(user.username, secret) };
  }

  /**
   * Whether `code` is valid for the pending secret. No last step: a stored
   * one belongs to the authenticator a 2FA reset removed; the new secret's
   * codes were never used, and holding them to the old step would refuse a
   * correct code for up to a minute after a reset.
   */
  async check(userId: string, sealed: string, code: string): Promise<CheckedCode | null> {
    const opened = this.vault.open(sealed, userId);
    const result = await this.totp.verify(opened.secret, code, null);
    return result.valid ? { timeStep: result.timeStep, resealed: opened.resealed } : null;
  }

  /**
   * Enrolls the pending secret, recording the confirming code's step (it
   * cannot be replayed at the next login), and issues the recovery codes.
   * The ticket and the enrollment go in one transaction: a ticket voided
   * since the setup enrolls nothing, and an enrollment refused because the
   * credentials changed since the password step keeps its ticket.
   */
  async confirm(
    userId: string,
    sealed: string,
    checked: CheckedCode,
    credentialVersion: number,
    ticket: TicketUse,
  ): Promise<EnrollmentOutcome> {
    try {
      await this.dataSource.transaction(async (manager) => {
        if (ticket === 'void') await this.tickets.voidAll(manager, userId);
        else if (!(await this.tickets.spend(manager, ticket.spend, userId)))
          throw new EnrollmentRefused('ticket-voided');
        if (!(await this.users.enableTotp(userId, sealed, checked.timeStep, credentialVersion, manager))) {
          throw new EnrollmentRefused('changed');
        }
      });
    } catch (error) {
      if (error instanceof EnrollmentRefused) return { enrolled: false, reason: error.reason };
      throw error;
    }
    // Set up before an APP_SECRET rotation: re-sealed now, as a TOTP login
    // would, or it would stop opening once APP_SECRET_PREVIOUS is removed.
    if (checked.resealed) await this.users.resealTotpSecret(userId, sealed, checked.resealed);
    return { enrolled: true, recoveryCodes: await this.recoveryCodes.replace(userId) };
  }
}
