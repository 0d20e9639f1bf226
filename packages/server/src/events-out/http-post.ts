import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isAllowedOrigin, isPublicAddress, publicOnlyLookup } from './safe-target.ts';

/** A destination that says nothing for this long has failed this attempt. */
const TIMEOUT_MS = 10_000;
/** Of an answer, only this much is kept (the delivery log shows why a receiver refused). */
const KEEP_BYTES = 1_024;

export interface PostResult {
  /** The HTTP status, or 0 when there was no answer. */
  status: number;
  ok: boolean;
  error?: string;
}

export interface Poster {
  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult>;
  close(): void;
}

/**
 * POSTs events out over keep-alive agents. Any origin in `allowOrigins` goes anywhere (tests);
 * every other connection resolves through {@link publicOnlyLookup}, so a name that points at a
 * private address fails at connect time. A 2xx is success; anything else is a failure to retry.
 *
 * @example const poster = createPoster([]); await poster.post(url, headers, body);
 */
export function createPoster(allowOrigins: readonly string[], ca?: Buffer): Poster {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16, ...(ca && { ca }) }),
    publicHttps: new https.Agent({ keepAlive: true, maxSockets: 16, lookup: publicOnlyLookup }),
  };
  return {
    post(url, headers, body) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.resolve({ status: 0, ok: false, error: 'invalid url' });
      }
      const allowed = isAllowedOrigin(url, allowOrigins);
      const host = target.hostname.replace(/^\[|\]$/g, '');
      if (!allowed && (target.protocol !== 'https:' || (isIP(host) && !isPublicAddress(host)))) {
        return Promise.resolve({ status: 0, ok: false, error: 'destination not allowed' });
      }
      const agent = !allowed
        ? agents.publicHttps
        : target.protocol === 'https:'
          ? agents.https
          : agents.http;
      const request = target.protocol === 'https:' ? https.request : http.request;
      return new Promise<PostResult>((resolve) => {
        const req = request(
          target,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'user-agent': 'Beckon-Webhooks/1',
              ...headers,
            },
            timeout: TIMEOUT_MS,
          },
          (res) => {
            let kept = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              if (kept.length < KEEP_BYTES) kept += chunk.slice(0, KEEP_BYTES - kept.length);
            });
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              const ok = status >= 200 && status < 300;
              resolve(ok ? { status, ok } : { status, ok, error: kept || `HTTP ${status}` });
            });
            res.on('error', (error) => resolve({ status: 0, ok: false, error: error.message }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', (error) => resolve({ status: 0, ok: false, error: error.message }));
        req.end(body);
      });
    },
    close() {
      for (const agent of Object.values(agents)) agent.destroy();
    },
  };
}
