import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { defaultEnvironment } from '../../src/config/env.source';
import { devCertificatePaths } from '../../src/tls/dev-certificates';
import { HttpsClient } from './https-client';
import { ensureTestDatabase } from './test-database';

/** Shared by every test app of a run: generated once, trusted by the test clients. */
export const TEST_CERTS_DIR = join(tmpdir(), 'nest-2fa-api-test-certs-nc');

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
  options: TestAppOptions = {},
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
    // The tests read log lines as JSON; the pretty format has its own test.
    LOG_FORMAT: 'json',
    ...(await distributedBackends(dataDir)),
    ...overrides,
  };
  const { app, config } = await createApp(env, {
    logDestination: options.logDestination,
    extraModules: options.extraModules,
  });
  // PORT is 0 (any free port) unless a test sets it: a browser test needs its origin, https://localhost:PORT, before boot.
  await app.listen({ host: env.HOST, port: Number(env.PORT) });
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
  const name = basename(dataDir)
    .replace(/[^a-zA-Z0-9]/g, '_')
    .toLowerCase();
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

export interface TestAppOptions {
  dataDir?: string;
  host?: string;
  /** Where the app's JSON log lines go (default: stdout, at LOG_LEVEL=fatal nearly nothing). */
  logDestination?: DestinationStream;
  /** Modules mounted next to the app's own (createApp's extraModules): a team's routes, as a test writes them. */
  extraModules?: Type[];
}

/** A started test app, a client for it, and the one way to stop it. */
export interface RunningTestApp {
  t: TestApp;
  client: HttpsClient;
  /** Closes the app; removes its data directory unless the caller passed one in (then the caller owns it). */
  close(): Promise<void>;
}

/**
 * startTestApp with RELAXED_LIMITS under the given overrides (every suite
 * relaxes the limits it is not about), plus a client for it.
 */
export async function bootTestApp(
  overrides: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<RunningTestApp> {
  const t = await startTestApp({ ...RELAXED_LIMITS, ...overrides }, options);
  return {
    t,
    client: new HttpsClient(t.port, t.ca),
    close: async () => {
      await t.close();
      if (!options.dataDir) removeDataDir(t.dataDir);
    },
  };
}

/** bootTestApp for the length of `run`: the app is closed (and its data directory removed) even when `run` throws. */
export async function withTestApp<T>(
  overrides: Record<string, string>,
  run: (app: RunningTestApp) => Promise<T>,
  options: TestAppOptions = {},
): Promise<T> {
  const app = await bootTestApp(overrides, options);
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

/** What useTestApp returns: read `t` and `client` inside hooks and tests, not in the describe body. */
export interface LiveTestApp {
  readonly t: TestApp;
  readonly client: HttpsClient;
}

/**
 * One app for the calling describe block: boots it (bootTestApp) in a
 * beforeAll and closes it in an afterAll registered right here. Jest runs a
 * block's beforeAll hooks in registration order, so a beforeAll declared
 * after this call already sees the app. afterAll hooks run in registration
 * order too (not reversed): the app closes before an afterAll declared after
 * this call runs, so anything that keeps connections to it open (a browser)
 * must be closed in the test itself or in an afterAll declared before this call.
 */
export function useTestApp(overrides: Record<string, string> = {}, options: TestAppOptions = {}): LiveTestApp {
  let running: RunningTestApp | undefined;
  beforeAll(async () => {
    running = await bootTestApp(overrides, options);
  });
  afterAll(async () => {
    // Nothing to close when the boot itself failed: Jest reports that error.
    await running?.close();
    running = undefined;
  });
  const current = (): RunningTestApp => {
    // Read in the describe body (before any hook ran), or after the block: a mistake worth a clear message.
    if (!running)
      throw new Error('useTestApp: the app runs from its beforeAll to its afterAll; read it in tests and hooks');
    return running;
  };
  return {
    get t() {
      return current().t;
    },
    get client() {
      return current().client;
    },
  };
}
