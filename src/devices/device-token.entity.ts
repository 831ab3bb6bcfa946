import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../database/epoch-millis.transformer';

/**
 * A client that completed a full login (OWASP "device cookies"): failures
 * sent with its token count against this device alone, so an attacker who
 * locks the account's untrusted counter does not lock its owner out. Only
 * the SHA-256 of the token is stored; the value changes at every full login.
 */
@Entity({ name: 'device_tokens' })
export class DeviceToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('idx_device_tokens_user')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt: number;

  @Column({ name: 'last_used_at', type: 'bigint', transformer: epochMillis })
  lastUsedAt: number;

  /** DEVICE_TOKEN_TTL after the last full login from this device. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt: number;

  /** The User-Agent of the last full login from this device, escaped and cut to 256 characters (userAgentOf). */
  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent: string | null;
}
