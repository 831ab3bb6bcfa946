import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { defaultEnvironment } from '../../src/config/env.source';
import { TEST_CERTS_DIR } from './test-app';

const REPO = join(__dirname, '..', '..');

/**
 * A complete test environment whose startup writes nothing (in-memory
 * database, a dev-secrets directory that must never be created): tests of
 * configurations the API must refuse start from it and change one variable.
 */
export function startupEnvironment(): Record<string, string> {
  return {
    ...(defaultEnvironment(REPO) as Record<string, string>),
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: 'sqlite::memory:',
    DEV_SECRETS_DIR: join(tmpdir(), 'nest-2fa-api-never-created'),
    CERTS_DIR: TEST_CERTS_DIR,
    LOG_LEVEL: 'fatal',
  };
}

/** The error createApp refuses this environment with; fails the test when it starts instead. */
export async function startupError(env: Record<string, string | undefined>): Promise<Error> {
  let started: Awaited<ReturnType<typeof createApp>>;
  try {
    started = await createApp(env);
  } catch (error) {
    return error as Error;
  }
  await started.app.close();
  throw new Error('createApp resolved: the configuration was accepted');
}
