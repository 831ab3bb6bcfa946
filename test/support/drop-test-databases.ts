import { dropTestDatabases } from './test-database';

/**
 * Jest globalSetup and globalTeardown of the e2e project: every run starts
 * and ends without test databases on the PostgreSQL server.
 */
export default async function dropTestDatabasesHook(): Promise<void> {
  if (process.env.DATABASE_URL_TEST) await dropTestDatabases(process.env.DATABASE_URL_TEST);
}
