import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { defaultEnvironment } from '../../src/config/env.source';
import { TEST_CERTS_DIR } from './test-app';

const ROOT = resolve(__dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The admin CLI as an operator runs it: a child process on the TypeScript
 * sources (compiled on the fly by swc, see support/swc-register.js), with
 * the same environment as the test app of `dataDir`. `answer` is called
 * whenever the process prints more, and may write to its stdin.
 */
export function cli(
  dataDir: string,
  args: string[],
  options: {
    stdin?: string;
    answer?: (output: string, write: (line: string) => void) => void;
    env?: Record<string, string>;
  } = {},
): Promise<CliRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...(defaultEnvironment(ROOT) as Record<string, string>),
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(dataDir, 'app.db')}`,
    DEV_SECRETS_DIR: join(dataDir, 'secrets'),
    CERTS_DIR: TEST_CERTS_DIR,
    LOG_LEVEL: 'fatal',
    ...options.env,
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env,
    });
    let stdout = '';
    let stderr = '';
    const write = (line: string) => child.stdin.write(`${line}\n`);
    const onOutput = () => options.answer?.(stdout + stderr, write);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      onOutput();
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onOutput();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else if (!options.answer) child.stdin.end();
  });
}
