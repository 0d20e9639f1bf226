import createFetchClient from 'openapi-fetch';
import type { paths } from './api.ts';
import { retryingFetch, type RetryOptions } from './retrying-fetch.ts';

export type { components, paths } from './api.ts';
export { retryAfterMs, retryingFetch, type RetryOptions } from './retrying-fetch.ts';

export interface BeckonClientOptions {
  /** Where Beckon listens, e.g. `https://push.example.com` (no `/v1`). */
  baseUrl: string;
  /** A workspace API key (`bk_…`), sent as `Authorization: Bearer`. */
  apiKey: string;
  retry?: RetryOptions;
  /** Defaults to the global `fetch`. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A typed client for Beckon's private API, for your backend. Paths, parameters, bodies and
 * answers are typed from the server's OpenAPI document (see `src/api.ts`); every POST carries
 * an `Idempotency-Key`, and 429, 5xx and network errors are retried with backoff.
 *
 * @example
 * const beckon = createBeckonClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.BECKON_API_KEY! });
 * const { data, error } = await beckon.POST('/v1/notifications', {
 *   body: { siteId, target: { externalIds: ['user-42'] }, content: { title: 'Your order shipped' } },
 * });
 */
export function createBeckonClient(options: BeckonClientOptions) {
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    fetch: retryingFetch(fetchImpl, options.retry),
  });
}

export type BeckonClient = ReturnType<typeof createBeckonClient>;
