import type { ValueTransformer } from 'typeorm';

/**
 * Times that guard security decisions (expiry, idle timeout, revocation) are
 * stored as epoch milliseconds in a bigint column: integers compare the same
 * way on SQLite and PostgreSQL, where date types and time zones differ. The
 * pg driver returns bigint as a string, hence the conversion back.
 */
export const epochMillis: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
