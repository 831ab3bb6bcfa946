import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Compiles web/app/*.ts into dist/web/ as `npm run build` does: the app
 * serves /app/ only when the compiled client is there, and the e2e tests run
 * the server from src/, without a build.
 */
export function buildWebClient(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'web')], {
    stdio: 'inherit',
  });
}
