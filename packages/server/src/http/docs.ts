import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Scalar } from '@scalar/hono-api-reference';
import { Hono } from 'hono';
import type { AppEnv } from './context.ts';

/**
 * Scalar's standalone bundle, served by Beckon itself: a self-hosted server must not depend
 * on a CDN (and may have no route to one). Pinned to the newest `@scalar/api-reference`
 * whose engines accept Node 20.
 */
export const SCALAR_BUNDLE = createRequire(import.meta.url).resolve(
  '@scalar/api-reference/browser/standalone.js',
);
export const SCALAR_BUNDLE_PATH = '/docs/scalar.js';

/**
 * `GET /docs`: the interactive reference of `/openapi.json` (Scalar), and its script.
 *
 * @example app.route('/', docsRoutes());
 */
export function docsRoutes() {
  const app = new Hono<AppEnv>();
  let bundle: Promise<string> | undefined;

  app.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      cdn: SCALAR_BUNDLE_PATH,
      pageTitle: 'Beckon API reference',
      // Nothing from elsewhere: its default fonts come from a CDN, its AI agent and developer
      // toolbar call scalar.com. The browser test refuses every request off this server.
      withDefaultFonts: false,
      agent: { disabled: true },
      showDeveloperTools: 'never',
    }),
  );

  app.get(SCALAR_BUNDLE_PATH, async (c) => {
    // 3.5 MB read once, on the first visit, rather than at every start.
    bundle ??= readFile(SCALAR_BUNDLE, 'utf8');
    return c.body(await bundle, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=86400',
    });
  });

  return app;
}
