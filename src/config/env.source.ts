import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';

type Source = Record<string, string | undefined>;

function readEnvFile(path: string): Source {
  return existsSync(path) ? parse(readFileSync(path)) : {};
}

/**
 * Where the project is installed: src/config/ and dist/config/ are both two
 * levels below it. The defaults ship with the code, so they are found from
 * here, not from the working directory: `node /srv/api/dist/main.js` started
 * elsewhere (a service manager, a container with another WORKDIR) would
 * otherwise find no defaults and refuse to start with every variable missing.
 */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** The non-secret defaults shipped in config/defaults.env. */
export function defaultEnvironment(root = PACKAGE_ROOT): Source {
  return readEnvFile(resolve(root, 'config', 'defaults.env'));
}

/**
 * The only reader of process.env. Precedence, lowest first: config/defaults.env
 * (of the installed package), .env (of the working directory, the deployment's
 * own), the process environment.
 */
export function readEnvironment(cwd = process.cwd()): Source {
  return {
    ...defaultEnvironment(),
    ...readEnvFile(resolve(cwd, '.env')),
    ...process.env,
  };
}
