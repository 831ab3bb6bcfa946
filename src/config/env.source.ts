import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';

type Source = Record<string, string | undefined>;

function readEnvFile(path: string): Source {
  return existsSync(path) ? parse(readFileSync(path)) : {};
}

/** The non-secret defaults shipped in config/defaults.env. */
export function defaultEnvironment(root = process.cwd()): Source {
  return readEnvFile(resolve(root, 'config', 'defaults.env'));
}

/**
 * The only reader of process.env. Precedence, lowest first: config/defaults.env,
 * .env, the process environment.
 */
export function readEnvironment(root = process.cwd()): Source {
  return {
    ...defaultEnvironment(root),
    ...readEnvFile(resolve(root, '.env')),
    ...process.env,
  };
}
