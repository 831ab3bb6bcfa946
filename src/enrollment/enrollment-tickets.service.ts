import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AppConfigService } from '../config/app-config.service';
import { constantTimeEqual } from '../crypto/constant-time';
import { EnrollmentTicketHasher } from './enrollment-ticket-hasher';
import { EnrollmentTicket } from './enrollment-ticket.entity';

/** 256 random bits, base64url: no guessing, no offline search of the keyed hashes. */
const TICKET_BYTES = 32;

/**
 * Enrollment tickets: a password alone must never enroll an authenticator,
 * or whoever phished the password (before or after a helpdesk reset) would
 * enroll their own and own the account. The ticket is the second proof,
 * handed to the rightful user out of band.
 */
@Injectable()
export class EnrollmentTicketsService {
  private readonly ttlMs: number;
  readonly required: boolean;

  constructor(
    @InjectRepository(EnrollmentTicket) private readonly tickets: Repository<EnrollmentTicket>,
    private readonly hasher: EnrollmentTicketHasher,
    config: AppConfigService,
  ) {
    this.ttlMs = config.app.enrollment.ticketTtlSeconds * 1000;
    this.required = config.app.enrollment.ticketRequired;
  }

  /** A new ticket for the user, shown once; the previous one stops working. */
  async issue(userId: string): Promise<string> {
    const ticket = randomBytes(TICKET_BYTES).toString('base64url');
    const now = Date.now();
    await this.tickets.manager.transaction(async (manager) => {
      await manager.delete(EnrollmentTicket, { userId });
      await manager.insert(EnrollmentTicket, {
        id: randomUUID(),
        userId,
        ticketHash: this.hasher.hash(ticket),
        createdAt: now,
        expiresAt: now + this.ttlMs,
      });
    });
    return ticket;
  }

  /** The id of the user's live ticket when `ticket` is that ticket, otherwise null. */
  async match(userId: string, ticket: string): Promise<string | null> {
    const row = await this.tickets.findOneBy({ userId });
    if (!row) return null;
    // Every candidate is compared, in constant time: the time does not tell
    // which key (current or previous APP_SECRET) matched, or how much did.
    let matched = false;
    for (const candidate of this.hasher.candidates(ticket)) {
      if (constantTimeEqual(candidate, row.ticketHash)) matched = true;
    }
    return matched && row.expiresAt > Date.now() ? row.id : null;
  }

  /**
   * Spends the ticket a pending enrollment was set up with, inside the
   * enrollment's own transaction: false when it was voided (a newer ticket,
   * a reset) or expired since the setup, and the enrollment must not happen.
   */
  async spend(manager: EntityManager, ticketId: string, userId: string): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .delete()
      .from(EnrollmentTicket)
      .where('id = :ticketId AND user_id = :userId AND expires_at > :now', { ticketId, userId, now: Date.now() })
      .execute();
    return result.affected === 1;
  }

  /** An enrollment made without a ticket (the operator's CLI, or tickets switched off) voids any outstanding one. */
  async voidAll(manager: EntityManager, userId: string): Promise<void> {
    await manager.delete(EnrollmentTicket, { userId });
  }
}
