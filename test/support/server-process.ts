import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { defaultEnvironment } from '../../src/config/env.source';
import { devCertificatePaths } from '../../src/tls/dev-certificates';
import { HttpsClient } from './https-client';
import { TEST_CERTS_DIR } from './test-app';

const ROOT = resolve(__dirname, '..', '..');

export interface ServerProcess {
  client: HttpsClient;
  child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Sends the signal and resolves with how the process ended. */
  stop(signal: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
}

/**
 * The server as production runs it: its own process (src/main.ts), its own
 * stdout, ended by a signal. For what only a real process shows: shutdown,
 * what reaches stdout, what survives a SIGTERM.
 */
export async function startServerProcess(dataDir: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...(defaultEnvironment(ROOT) as Record<string, string>),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dataDir, 'app.db')}`,
      DEV_SECRETS_DIR: join(dataDir, 'secrets'),
      CERTS_DIR: TEST_CERTS_DIR,
      REDIS_URL: '',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    child.once('exit', (code, signal) => r(signal ?? code)),
  );
  const client = new HttpsClient(port, readFileSync(devCertificatePaths(TEST_CERTS_DIR).caCert));
  for (let attempt = 0; ; attempt += 1) {
    const up = await client.get('/health').then(
      (res) => res.status === 200,
      () => false,
    );
    if (up) break;
    if (attempt > 150 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('the server process never answered /health');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    client,
    child,
    stdout: () => out,
    stop: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
