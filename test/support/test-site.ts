/**
 * The customer's website in the browser tests: a static server on `http://localhost:PORT` —
 * a secure context, and cross-origin to the Beckon API on 127.0.0.1, so CORS (preflight
 * included) is exercised for real, as on a customer's site.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ASSETS } from '../../packages/server/src/main.ts';

/** How the site hosts its worker at `/beckon-sw.js` (both recipes of API.md). */
export type WorkerRecipe = 'copy' | 'importScripts';

export interface PageOptions {
  siteKey: string;
  /** `data-consent="required"` on the script tag. */
  consent?: boolean;
  recipe?: WorkerRecipe;
  /**
   * Where the page puts Beckon's worker (`data-sw`), e.g. `/push/beckon-sw.js` (scope `/push/`);
   * default `/beckon-sw.js`. Any path ending in `/beckon-sw.js` serves it.
   */
  swPath?: string;
  /**
   * The site's own worker (a PWA's) at `/site-sw.js`, scope `/`, registered by the page before
   * the snippet loads; it claims the page at once.
   */
  siteWorker?: boolean;
  /**
   * Serve the page under a strict Content-Security-Policy (the README's lines for Beckon, no
   * inline script or style), and with `trusted-types` also require Trusted Types for scripts.
   */
  csp?: 'strict' | 'trusted-types';
  /** `data-spa="off"`: no page views on client-side navigations. */
  spaOff?: boolean;
}

export interface TestSite {
  /** `http://localhost:PORT` — a secure context, cross-origin to the API on 127.0.0.1. */
  origin: string;
  /** The shop page for a site key. */
  url(options: PageOptions): string;
  close(): Promise<void>;
}

/** A site's own worker, as a PWA has: it takes over the page at once and handles fetches. */
const SITE_WORKER = `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', () => {});
`;

const escapeAttr = (s: string) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The queue stub a customer pastes; it also records the snippet's outcome events in
 * `window.beckonEvents`, through the queue, before the script has loaded.
 */
const STUB = `window.beckon = window.beckon || function(){(beckon.q = beckon.q || []).push(arguments)};
window.beckonEvents = [];
['subscribed', 'dismissed', 'unsubscribed', 'error'].forEach(function (name) {
  beckon('on', name, function (data) {
    beckonEvents.push({ name: name, data: data instanceof Error ? data.message : data });
  });
});
`;

/** What a site with a strict policy sends: only its own files and Beckon's, nothing inline. */
export function strictPolicy(api: string, trustedTypes: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${api}`,
    `connect-src 'self' ${api}`,
    "style-src 'self'",
    "worker-src 'self'",
    ...(trustedTypes ? ["require-trusted-types-for 'script'"] : []),
  ].join('; ');
}

/**
 * The page a customer would write: the queue stub, then the async script tag from the Beckon
 * server. Under a strict policy the stub is a file of the site's own (`/stub.js`).
 */
function shopPage(api: string, q: URLSearchParams): string {
  const site = q.get('site') ?? '';
  const recipe = q.get('recipe') ?? 'copy';
  const attrs = [
    `src="${escapeAttr(api)}/beckon.js"`,
    `data-site="${escapeAttr(site)}"`,
    // The worker stays at /beckon-sw.js (scope `/`) unless told; the query only picks the recipe.
    `data-sw="${escapeAttr(q.get('sw') ?? '/beckon-sw.js')}?recipe=${escapeAttr(recipe)}"`,
    q.get('consent') ? 'data-consent="required"' : '',
    q.get('spaOff') ? 'data-spa="off"' : '',
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test shop</title>
${q.get('csp') ? '<script src="/stub.js"></script>' : `<script>\n${STUB}</script>`}
${q.get('siteWorker') ? "<script>navigator.serviceWorker.register('/site-sw.js');</script>" : ''}
<script async ${attrs.join(' ')}></script>
</head><body><h1>Test shop</h1><button>Buy</button></body></html>`;
}

/**
 * A static site on `http://localhost:PORT`: `/?site=KEY[&consent=1][&recipe=…]` is the shop
 * page, `/beckon-sw.js` the worker — a copy of the built file, or the one-line
 * `importScripts` of the server's copy, per `recipe`.
 */
export async function startTestSite(api: string): Promise<TestSite> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      const csp = url.searchParams.get('csp');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        ...(csp && { 'content-security-policy': strictPolicy(api, csp === 'trusted-types') }),
      });
      return void res.end(shopPage(api, url.searchParams));
    }
    if (url.pathname === '/stub.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return void res.end(STUB);
    }
    if (url.pathname === '/site-sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return void res.end(SITE_WORKER);
    }
    if (url.pathname.endsWith('/beckon-sw.js')) {
      const body =
        url.searchParams.get('recipe') === 'importScripts'
          ? `importScripts(${JSON.stringify(`${api}/beckon-sw.js`)});\n`
          : readFileSync(ASSETS.serviceWorker, 'utf8');
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return void res.end(body);
    }
    // favicon.ico and the like: nothing, rather than a 404 in the console.
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url(o) {
      const q = new URLSearchParams({ site: o.siteKey, recipe: o.recipe ?? 'copy' });
      if (o.consent) q.set('consent', '1');
      if (o.swPath) q.set('sw', o.swPath);
      if (o.siteWorker) q.set('siteWorker', '1');
      if (o.csp) q.set('csp', o.csp);
      if (o.spaOff) q.set('spaOff', '1');
      return `${origin}/?${q}`;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
