import { createMiddleware } from 'hono/factory';
import type { Store } from '../storage/store.ts';
import type { AppEnv } from './context.ts';
import { ProblemError } from './problem.ts';

/**
 * `Authorization: Bearer <apiKey>` (and, for Segment-style ingestion, HTTP Basic with the
 * key as user name: Segment's write-key convention). Missing or unknown → 401.
 */
export function requireApiKey(store: Store, opts: { allowBasic?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = apiKeyFrom(c.req.header('authorization'), opts.allowBasic ?? false);
    if (!key) {
      throw new ProblemError(
        401,
        'Unauthorized',
        'Send the API key as Authorization: Bearer <key>',
      );
    }
    const workspace = await store.workspaces.findByApiKey(key);
    if (!workspace) throw new ProblemError(401, 'Unauthorized', 'The API key is not valid');
    c.set('workspace', workspace);
    await next();
  });
}

function apiKeyFrom(header: string | undefined, allowBasic: boolean): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (allowBasic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':', 1)[0] || undefined;
  }
  return undefined;
}
