import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppConfig } from '../config/app-config';

/**
 * The reference browser client (web/app/, compiled by `npm run build` into
 * dist/web/), served like the Swagger UI: a fixed list of files read once at
 * boot, no directory serving, so nothing else under dist/ or node_modules/
 * is reachable. These are plain Fastify routes: the global onRequest
 * allowlist hook covers them, Nest's guards do not run (nothing here needs a
 * token; the page calls the API, which checks its own).
 */
export const WEB_CLIENT_PATH = '/app';

/**
 * The page's own policy, replacing the global `default-src 'none'` on the
 * page only: scripts and styles from this origin and no inline ones (no
 * 'unsafe-inline', no 'unsafe-eval', no hashes), the QR code as a data:
 * image, fetches to this API only, no framing, no <base> and forms posting
 * nowhere but here. The assets keep the global policy.
 */
export const WEB_CLIENT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const JS = 'application/javascript; charset=utf-8';

/** Both src/web-client and dist/web-client sit two levels below the project root. */
const ROOT = resolve(__dirname, '..', '..');

/** URL under /app/ → the file it serves and its type. */
function assets(): Record<string, { file: string; type: string }> {
  return {
    'app.css': { file: join(ROOT, 'web', 'app', 'app.css'), type: 'text/css; charset=utf-8' },
    'app.js': { file: join(ROOT, 'dist', 'web', 'app.js'), type: JS },
    'api.js': { file: join(ROOT, 'dist', 'web', 'api.js'), type: JS },
    'dom.js': { file: join(ROOT, 'dist', 'web', 'dom.js'), type: JS },
    'vendor/simplewebauthn-browser.js': {
      // The package's exports map hides dist/: resolve its main entry (script/index.js) and go from there.
      file: join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
      type: JS,
    },
  };
}

const PAGE_FILE = join(ROOT, 'web', 'app', 'index.html');

export function registerWebClient(fastify: FastifyInstance, config: AppConfig): void {
  if (!config.webClientEnabled) return;
  const files = assets();
  const missing = [PAGE_FILE, ...Object.values(files).map((asset) => asset.file)].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    const message = `web client not built (missing ${missing.join(', ')}): run npm run build, or set WEB_CLIENT_ENABLED=false`;
    // Asked for explicitly in production: a boot that silently drops it would hide the mistake.
    if (config.isProduction) throw new Error(message);
    new Logger('WebClient').warn(`${message}; ${WEB_CLIENT_PATH}/ answers 404`);
    return;
  }

  const page = readFileSync(PAGE_FILE);
  const sendPage = async (_request: unknown, reply: FastifyReply) =>
    reply.header('Content-Security-Policy', WEB_CLIENT_CSP).type('text/html; charset=utf-8').send(page);
  // The page refers to its files by absolute path, so it works with or without the slash.
  fastify.get(WEB_CLIENT_PATH, sendPage);
  fastify.get(`${WEB_CLIENT_PATH}/`, sendPage);
  for (const [path, { file, type }] of Object.entries(files)) {
    const content = readFileSync(file);
    fastify.get(`${WEB_CLIENT_PATH}/${path}`, async (_request, reply) => reply.type(type).send(content));
  }
}
