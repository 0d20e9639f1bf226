import http from 'node:http';
import https from 'node:https';
import type { PushAnswer } from '../../domain/push-response.ts';
import type { PushRequest } from './types.ts';

/** Push services answer with a short text at most; more is not worth keeping. */
const MAX_ANSWER_BYTES = 4096;

/**
 * HTTP/1.1 with keep-alive, one agent (connection pool) per push-service origin, so TLS
 * handshakes are paid once per connection, not per message. For `http:` push services and
 * those whose TLS handshake does not pick `h2` (ALPN).
 */
export function createHttp1Transport(options: {
  ca?: string | Buffer | undefined;
  maxSocketsPerOrigin: number;
  timeoutMs: number;
}) {
  const agents = new Map<string, http.Agent>();

  function agentFor(url: URL): http.Agent {
    let agent = agents.get(url.origin);
    if (!agent) {
      const common = { keepAlive: true, maxSockets: options.maxSocketsPerOrigin };
      agent =
        url.protocol === 'https:'
          ? new https.Agent({ ...common, ...(options.ca && { ca: options.ca }) })
          : new http.Agent(common);
      agents.set(url.origin, agent);
    }
    return agent;
  }

  return {
    send(url: URL, request: PushRequest): Promise<PushAnswer> {
      const client = url.protocol === 'https:' ? https : http;
      const { timeoutMs } = options;
      return new Promise<PushAnswer>((resolve, reject) => {
        const req = client.request(
          url,
          { method: 'POST', headers: request.headers, agent: agentFor(url), timeout: timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              // A push service answers a short text; a longer body is read but not kept.
              if (bytes < MAX_ANSWER_BYTES) chunks.push(chunk);
              bytes += chunk.length;
            });
            res.on('end', () =>
              resolve({
                statusCode: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8', 0, MAX_ANSWER_BYTES),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(request.body ?? undefined);
      });
    },
    close(): void {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
