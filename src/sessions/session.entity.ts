import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../database/epoch-millis.transformer';

/**
 * A login session: created by a full two-factor login, renewed by refresh
 * tokens, ended by logout, theft detection, a password change or a 2FA
 * reset. Its id is the `sid` claim of every access token it issues.
 */
@Entity({ name: 'sessions' })
@Index('idx_sessions_revoked_access_expiry', ['accessExpiresAt'], { where: 'revoked_at IS NOT NULL' })
// The session list (GET /auth/sessions): a user's unrevoked sessions, newest first.
@Index('idx_sessions_user_live', ['userId', 'createdAt'], { where: 'revoked_at IS NULL' })
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('idx_sessions_user')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt: number;

  /** Absolute end: REFRESH_TTL after creation, whatever the activity. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt: number;

  /** Last refresh; the session dies after SESSION_IDLE_TTL without one. */
  @Column({ name: 'last_used_at', type: 'bigint', transformer: epochMillis })
  lastUsedAt: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMillis })
  revokedAt: number | null;

  /**
   * When the latest-expiring access token of this session expires: its
   * revocation must last that long. Null only for sessions from before this
   * column existed.
   */
  @Column({ name: 'access_expires_at', type: 'bigint', nullable: true, transformer: epochMillis })
  accessExpiresAt: number | null;

  /**
   * When the second factor was last proven in this session: the auth_time
   * of every access token it issues, so a refresh never makes a login look
   * fresher than it is. Null for sessions from before the column: created_at.
   */
  @Column({ name: 'auth_time', type: 'bigint', nullable: true, transformer: epochMillis })
  authTime: number | null;

  /** The login's amr values, space-separated; null for sessions from before the column: "pwd otp". */
  @Column({ name: 'amr', type: 'varchar', length: 64, nullable: true })
  amr: string | null;

  /** The client address of the login that started the session (RequestOrigin.clientAddress). */
  @Column({ name: 'created_from_address', type: 'varchar', length: 64, nullable: true })
  createdFromAddress: string | null;

  /** The client address last seen: at the login, then at each refresh. */
  @Column({ name: 'client_address', type: 'varchar', length: 64, nullable: true })
  clientAddress: string | null;

  /** The User-Agent of the login, escaped and cut to 256 characters (userAgentOf). */
  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent: string | null;

  /** The device token the login issued or renewed: marks that device as the current one in GET /auth/devices. */
  @Column({ name: 'device_id', type: 'varchar', length: 36, nullable: true })
  deviceId: string | null;
}
