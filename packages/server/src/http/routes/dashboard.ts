import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { ProblemError } from '../problem.ts';

/**
 * The dashboard's only sources are its own files and its own API: no inline script, no
 * third-party origin. Images may come from anywhere over https, because a notification
 * preview shows the campaign's own icon and image URLs. `frame-ancestors 'none'`: no
 * clickjacking of the send button.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The Sites page draws the snippet's real prompt in a same-origin frame of its own
 * (`prompt-preview.html`): the prompt carries its CSS in a `<style>` inside its shadow root,
 * and the dashboard frames the page. Only that page gets inline styles and framing by itself;
 * it has no form and no action, and takes messages from its own origin only.
 */
const PREVIEW_PAGE = 'prompt-preview.html';
export const PREVIEW_CSP = DASHBOARD_CSP.replace(
  "style-src 'self'",
  "style-src 'self' 'unsafe-inline'",
).replace("frame-ancestors 'none'", "frame-ancestors 'self'");

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite puts content-hashed files under `assets/`: a new build gets new names, so cache forever. */
const HASHED = /^assets\//;

/**
 * `GET /dashboard` and `/dashboard/*` from the Vite build (`packages/dashboard/dist`): a file
 * when one exists, else `index.html` (the app routes in the browser), unless the path names a
 * file type (a missing `.js` is a 404, not a page). Not built → a 404 problem saying so.
 * `GET /` goes to the dashboard.
 */
export function dashboardRoutes(dir: string | undefined) {
  const app = new Hono<AppEnv>();
  const root = dir && resolve(dir);

  const serve = async (c: Context<AppEnv>) => {
    if (!root) throw notBuilt();
    const wanted = decoded(c.req.path.replace(/^\/dashboard\/?/, ''));
    const file = resolve(root, wanted);
    // resolve() collapses `..`: anything outside the build folder is treated as missing.
    const inside = file === root || file.startsWith(root + sep);
    if (inside && wanted !== '' && (await isFile(file))) {
      return send(
        c,
        file,
        HASHED.test(wanted) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    }
    if (extname(wanted) !== '' && extname(wanted) !== '.html') {
      throw new ProblemError(404, 'Not Found', `No dashboard file ${wanted}`);
    }
    const index = join(root, 'index.html');
    if (!(await isFile(index))) throw notBuilt();
    return send(c, index, 'no-cache');
  };

  app.get('/', (c) => c.redirect('/dashboard', 302));
  app.get('/dashboard', serve);
  app.get('/dashboard/*', serve);
  return app;
}

const notBuilt = () =>
  new ProblemError(
    404,
    'Not Found',
    'The dashboard is not built: run npm run build --workspace packages/dashboard',
  );

/** The path as a file name; malformed escapes or a NUL byte name no file. */
function decoded(path: string): string {
  try {
    const text = decodeURIComponent(path);
    return text.includes('\0') ? '\0' : text;
  } catch {
    return '\0';
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function send(c: Context, file: string, cacheControl: string): Promise<Response> {
  const body = await readFile(file);
  const preview = file.endsWith(sep + PREVIEW_PAGE);
  return c.body(body, 200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': cacheControl,
    'Content-Security-Policy': preview ? PREVIEW_CSP : DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    // The set-password page's URL holds a one-time token: never send it on as a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': preview ? 'SAMEORIGIN' : 'DENY',
  });
}
