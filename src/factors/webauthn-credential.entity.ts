import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ValueTransformer } from 'typeorm';
import { epochMillis } from '../database/epoch-millis.transformer';

/** Counters are 32-bit, stored as bigint; the pg driver returns bigint as a string. */
const bigintNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number) => Number(value),
};

/**
 * A passkey (WebAuthn credential) of a user. Only public material: the
 * credential id and its COSE public key, both base64url. The credential id
 * is unique across users: an authenticator's credential belongs to one
 * account.
 */
@Entity({ name: 'webauthn_credentials' })
export class WebAuthnCredential {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('idx_webauthn_credentials_user')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'credential_id', type: 'varchar', length: 1400, unique: true })
  credentialId: string;

  @Column({ name: 'public_key', type: 'text' })
  publicKey: string;

  /** The authenticator's signature counter at the last accepted assertion; 0 for authenticators without one. */
  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  counter: number;

  /** Comma-separated transport hints (usb, nfc, ble, internal, hybrid), passed back in allowCredentials. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  transports: string | null;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** Synced to the user's other devices (a multi-device passkey). */
  @Column({ name: 'backed_up', type: 'boolean', default: false })
  backedUp: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt: number;

  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMillis })
  lastUsedAt: number | null;
}
