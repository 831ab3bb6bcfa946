import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { defaultEnvironment } from '../../src/config/env.source';
import { devCertificatePaths } from '../../src/tls/dev-certificates';
import { ensureTestDatabase } from './test-database';

/** Shared by every test app of a run: generated once, trusted by the test clients. */
export const TEST_CERTS_DIR = join(tmpdir(), 'nest-2fa-api-test-certs');

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  port: number;
  /** The dev CA the test clients verify the server against. */
  ca: Buffer;
  /** Holds this app's database and dev secrets; a restart reuses it. */
  dataDir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Boots the real application (createApp → configureApp, as main.ts does) on
 * an ephemeral port over HTTPS, with its own database and dev secrets.
 * Test defaults: production-like code paths, quiet logs.
 *
 * With DATABASE_URL_TEST (postgres://…) each data directory gets its own
 * PostgreSQL database, and with REDIS_URL_TEST its own Redis key prefix: the
 * same suites then run distributed. Two apps started on the same dataDir
 * share both, like two instances behind a load balancer.
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: { dataDir?: string; host?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nest-2fa-api-test-'));
  const env: Record<string, string> = {
    ...(defaultEnvironment() as Record<string, string>),
    NODE_ENV: 'test',
    HOST: options.host ?? '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dataDir, 'app.db')}`,
    DEV_SECRETS_DIR: join(dataDir, 'secrets'),
    CERTS_DIR: TEST_CERTS_DIR,
    LOG_LEVEL: 'fatal',
    ...(await distributedBackends(dataDir)),
    ...overrides,
  };
  const { app, config } = await createApp(env);
  await app.listen({ host: env.HOST, port: 0 });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const ca = readFileSync(devCertificatePaths(TEST_CERTS_DIR).caCert);
  return {
    app,
    config,
    port,
    ca,
    dataDir,
    env,
    close: () => app.close(),
  };
}

async function distributedBackends(dataDir: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const name = basename(dataDir).replace(/[^a-zA-Z0-9]/g, '_').toLowerCase();
  if (process.env.DATABASE_URL_TEST) env.DATABASE_URL = await ensureTestDatabase(process.env.DATABASE_URL_TEST, name);
  if (process.env.REDIS_URL_TEST) {
    env.REDIS_URL = process.env.REDIS_URL_TEST;
    env.REDIS_KEY_PREFIX = `test:${name}:`;
  }
  return env;
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/** For tests about something else than limits: high enough never to interfere. */
export const RELAXED_LIMITS = {
  RATE_LIMIT_DEFAULT: '100000/60',
  RATE_LIMIT_LOGIN: '100000/60',
  RATE_LIMIT_2FA: '100000/60',
  LOCKOUT_THRESHOLD: '1000',
};
