import { createMiddleware } from 'hono/factory';
import type { AppDeps, AppEnv } from './context.ts';

/**
 * Before a POST that sends or imports reads its body: a repeated `Idempotency-Key` answers
 * the first request's result (`202`) at once (API.md conventions), however large the body.
 * The handler stores the first answer with `store.idempotency.once`.
 *
 * @example handle(app, sendRoute, handler, { before: [replayIdempotent(deps)] });
 */
export function replayIdempotent({ store, clock }: Pick<AppDeps, 'store' | 'clock'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header('idempotency-key');
    const first =
      key && (await store.idempotency.find<object>(c.get('workspace').id, key, clock()));
    if (first) return c.json(first, 202);
    await next();
    return undefined;
  });
}
