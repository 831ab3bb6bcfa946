import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * Swagger UI, served from a fixed list of files rather than through
 * SwaggerModule's UI, whose @fastify/static route exposes the whole
 * swagger-ui-dist directory (source maps, the petstore initializer,
 * oauth2-redirect.html with its inline script) and whose page carries inline
 * styles. Here the page has no inline script or style, so its CSP needs no
 * 'unsafe-inline' and no hashes; the UI fetches the document from /docs-json.
 */
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>nest-2fa-api: API documentation</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="stylesheet" href="/docs/index.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-init.js"></script>
</body>
</html>
`;

function initScript(documentUrl: string): string {
  return `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(documentUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // The default would send the document's URL to validator.swagger.io.
    validatorUrl: null,
  });
});
`;
}

/**
 * The page's own policy, replacing the global `default-src 'none'` on the
 * page only: scripts and styles from this origin, the stylesheet's data:
 * icons, and fetches (the document, "Try it out") to this origin. The
 * assets, the document and every other response keep the strict policy.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** swagger-ui-dist as @nestjs/swagger resolves it: the version it was built against. */
function swaggerUiDist(): string {
  const fromSwagger = createRequire(require.resolve('@nestjs/swagger'));
  return (fromSwagger('swagger-ui-dist/absolute-path.js') as () => string)();
}

export function registerDocsUi(fastify: FastifyInstance, pagePath: string, documentUrl: string): void {
  const dist = swaggerUiDist();
  fastify.get(pagePath, async (_request, reply) =>
    reply.header('Content-Security-Policy', DOCS_PAGE_CSP).type('text/html; charset=utf-8').send(PAGE),
  );
  for (const [file, type] of Object.entries(ASSETS)) {
    const content = readFileSync(join(dist, file));
    fastify.get(`${pagePath}/${file}`, async (_request, reply) => reply.type(type).send(content));
  }
  const init = initScript(documentUrl);
  fastify.get(`${pagePath}/swagger-ui-init.js`, async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').send(init),
  );
}
