import { Client } from 'pg';

/**
 * Every database the suites create starts with this, so teardown can find
 * them all. TEST_DATABASE_PREFIX separates two runs sharing one PostgreSQL
 * server (two checkouts tested at once), which would otherwise drop each
 * other's databases.
 */
export const TEST_DATABASE_PREFIX = process.env.TEST_DATABASE_PREFIX ?? 'nest2fa_test_';

/** Creates (once) a database of its own for a test data directory; returns its URL. */
export async function ensureTestDatabase(baseUrl: string, name: string): Promise<string> {
  const database = `${TEST_DATABASE_PREFIX}${name}`.slice(0, 63);
  const client = new Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } catch (error) {
    // Two instances of one cluster starting together both try to create it.
    if ((error as { code?: string }).code !== '23505' && (error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops every database the suites created. */
export async function dropTestDatabases(baseUrl: string): Promise<void> {
  const client = new Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${TEST_DATABASE_PREFIX}%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
