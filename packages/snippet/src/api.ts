import type {
  PixelEvent,
  Receipt,
  SiteConfig,
  SubscribeRequest,
  SubscribeResponse,
  UnsubscribeRequest,
} from '../../server/src/wire.ts';

/**
 * The public endpoints under `{api}/v1/sites/{siteKey}/`.
 *
 * @example const config = await createApi('https://push.example.com', 'pk_123').config()
 */
export function createApi(base: string, site: string) {
  const url = (path: string) => `${base}/v1/sites/${encodeURIComponent(site)}/${path}`;
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(url(path), init);
    if (!res.ok) throw Error(`Beckon: ${path} answered ${res.status}`);
    return res.json();
  };
  const events = url('events');

  return {
    config: () => json<SiteConfig>('config'),
    subscribe: (body: SubscribeRequest) =>
      json<SubscribeResponse>('subscriptions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    /** Ends the subscription on the server; gone already (404) is fine. */
    unsubscribe: (body: UnsubscribeRequest) =>
      fetch(url('subscriptions'), {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        keepalive: true,
      }),
    /** A `clicked` receipt for a notification shown without our worker (see `bk_d`). */
    receipt: (body: Receipt) =>
      // text/plain, like the pixel: no preflight for a simple request.
      fetch(url('receipts'), { method: 'POST', keepalive: true, body: JSON.stringify(body) }),
    /** Fire and forget; a lost pixel batch is not worth an error event. */
    events(batch: PixelEvent[], beacon: boolean) {
      // A string body goes out as text/plain: a CORS "simple" request, so neither the beacon
      // (which cannot be preflighted at all) nor the keepalive fetch needs an OPTIONS round
      // trip. The server reads the body as JSON whatever its content type.
      const body = JSON.stringify(batch);
      try {
        if (beacon && navigator.sendBeacon(events, body)) return;
        fetch(events, { method: 'POST', keepalive: true, body }).catch(() => {});
      } catch {
        // no fetch, or a beacon refused synchronously: the pixel is best effort
      }
    },
  };
}
