/** Where the worker sends receipts and subscriptions. */
export interface WorkerConfig {
  site: string;
  /** API base URL without a trailing slash. */
  api: string;
}

/**
 * Reads `?site=&api=` from the worker's own URL (the snippet registers it as
 * `/beckon-sw.js?site=KEY&api=ORIGIN`), else `self.BECKON = { site, api }`, which a site sets
 * before `importScripts('https://BECKON_HOST/beckon-sw.js')` in a worker of its own.
 * Without `api`, the worker's origin. Without a site key, nothing: push still shows
 * notifications, but no receipt can be sent.
 *
 * @example readWorkerConfig(self.location.search, self.BECKON, self.location.origin)
 */
export function readWorkerConfig(
  search: string,
  fallback: { site?: string; api?: string } | undefined,
  origin: string,
): WorkerConfig | undefined {
  const query = new URLSearchParams(search);
  const site = query.get('site') || fallback?.site;
  if (!site) return undefined;
  return { site, api: (query.get('api') || fallback?.api || origin).replace(/\/+$/, '') };
}

/** `{api}/v1/sites/{site}/{path}` */
export const siteUrl = (c: WorkerConfig, path: string) =>
  `${c.api}/v1/sites/${encodeURIComponent(c.site)}/${path}`;
