// The built UI on the all-in-one process: hashed assets cached for good, every client-side route the app shell, all
// with the pages' security headers (api/page-headers.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { App } from './api/app.ts';
import { pageHeaders } from './api/page-headers.ts';
import type { Config } from './core/config.ts';

/** Mounted after the API's routes, so it answers only what they do not: `/api/*` stays the API's (its 404 included). */
export function serveUi(app: App, uiDir: string, config: Config): void {
  const indexHtml = readFileSync(resolve(uiDir, 'index.html'), 'utf8');
  const headers = pageHeaders(config);
  app.use('*', async function uiPageHeaders(c, next) {
    if (c.req.path.startsWith('/api/')) return next();
    return headers(c, next);
  });
  app.use('/assets/*', serveStatic({ root: uiDir, onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable') }));
  app.use('*', serveStatic({ root: uiDir }));
  // Client-side routes (/r/:slug, …) all load the app shell.
  app.get('*', (c) => (c.req.path.startsWith('/api/') ? c.notFound() : c.html(indexHtml)));
}
