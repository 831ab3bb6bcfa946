import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { CreateUsers1764374400000 } from './migrations/1764374400000-create-users';
import { CreateSessionsAndRecoveryCodes1764460800000 } from './migrations/1764460800000-create-sessions-and-recovery-codes';
import { AddSessionAccessExpiry1764547200000 } from './migrations/1764547200000-add-session-access-expiry';
import { EnrollmentTicketsDeviceTokensCredentialVersion1764633600000 } from './migrations/1764633600000-enrollment-tickets-device-tokens-credential-version';
import { WebAuthnCredentialsSessionAuth1764720000000 } from './migrations/1764720000000-webauthn-credentials-session-auth';
import { SessionAndDeviceOrigins1764806400000 } from './migrations/1764806400000-session-and-device-origins';
import { WebhookOutbox1764892800000 } from './migrations/1764892800000-webhook-outbox';

export const MIGRATIONS = [
  CreateUsers1764374400000,
  CreateSessionsAndRecoveryCodes1764460800000,
  AddSessionAccessExpiry1764547200000,
  EnrollmentTicketsDeviceTokensCredentialVersion1764633600000,
  WebAuthnCredentialsSessionAuth1764720000000,
  SessionAndDeviceOrigins1764806400000,
  WebhookOutbox1764892800000,
];

/**
 * Same entities and migrations for both engines; schema changes only ever
 * come from migrations (never synchronize), so what runs in production is
 * what was reviewed.
 */
export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  const common = {
    migrations: MIGRATIONS,
    // MigrationRunner applies them, under a lock when instances share a database.
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    const database = file === ':memory:' ? file : resolve(file);
    // The owner's alone, like the files SQLite creates in it under the process umask (077).
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true, mode: 0o700 });
    // WAL: a crash loses no committed write, and readers do not block the writer.
    return { ...common, type: 'better-sqlite3', database, enableWAL: database !== ':memory:' };
  }
  // TLS to PostgreSQL comes from the URL (?sslmode=require or verify-full).
  return { ...common, type: 'postgres', url, extra: { max: poolSize, connectionTimeoutMillis: 3000 } };
}
