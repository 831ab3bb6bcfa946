import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../database/epoch-millis.transformer';

/**
 * The second proof an account needs before an authenticator can be enrolled
 * on it: a one-time secret handed over out of band (the registration
 * response, the operator's CLI, a 2FA reset). Only its keyed hash is stored;
 * one live ticket per user.
 */
@Entity({ name: 'enrollment_tickets' })
export class EnrollmentTicket {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36, unique: true })
  userId: string;

  @Column({ name: 'ticket_hash', type: 'varchar', length: 64 })
  ticketHash: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt: number;
}
