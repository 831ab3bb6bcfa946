import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** As the user typed it, for display. */
  @Column({ type: 'varchar', length: 64 })
  username: string;

  /** Lower-cased: uniqueness and lookups are case-insensitive. */
  @Column({ name: 'username_normalized', type: 'varchar', length: 64, unique: true })
  usernameNormalized: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  /** Sealed (AES-256-GCM, user id as associated data); null until enrolled. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecret: string | null;

  /** Sealed secret shown by /auth/2fa/setup, waiting for its first code. */
  @Column({ name: 'totp_pending_secret', type: 'text', nullable: true })
  totpPendingSecret: string | null;

  @Column({ name: 'totp_enabled', type: 'boolean', default: false })
  totpEnabled: boolean;

  /** The enrollment ticket the pending secret was set up with: enabling spends exactly that one. */
  @Column({ name: 'totp_pending_ticket_id', type: 'varchar', length: 36, nullable: true })
  totpPendingTicketId: string | null;

  /** Highest TOTP time step accepted: codes for it or earlier are replays. */
  @Column({ name: 'totp_last_step', type: 'integer', nullable: true })
  totpLastStep: number | null;

  /**
   * Bumped by every credential change that must end what was issued before
   * it (password change, 2FA reset, logout-all, sessions:revoke). Pre-auth
   * tokens carry it; a stale one opens nothing.
   */
  @Column({ name: 'credential_version', type: 'integer', default: 0 })
  credentialVersion: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;
}
