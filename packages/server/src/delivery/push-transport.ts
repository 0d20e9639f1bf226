import http from 'node:http';
import https from 'node:https';
import type { PushAnswer } from '../domain/push-response.ts';

export interface PushRequest {
  endpoint: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
}

export interface PushTransport {
  send(request: PushRequest): Promise<PushAnswer>;
  close(): void;
}

export interface TransportOptions {
  /** Extra CA certificates to trust (a local HTTPS push service in tests and demos). */
  ca?: string | Buffer;
  /** Requests in flight per push-service origin. */
  maxSocketsPerOrigin?: number;
  timeoutMs?: number;
}

/**
 * Sends push requests over keep-alive connections, one agent (connection pool) per
 * push-service origin, so TLS handshakes are paid once per connection, not per message.
 */
export function createPushTransport(options: TransportOptions = {}): PushTransport {
  const agents = new Map<string, http.Agent>();
  const timeoutMs = options.timeoutMs ?? 30_000;

  function agentFor(url: URL): http.Agent {
    let agent = agents.get(url.origin);
    if (!agent) {
      const common = { keepAlive: true, maxSockets: options.maxSocketsPerOrigin ?? 64 };
      agent =
        url.protocol === 'https:'
          ? new https.Agent({ ...common, ...(options.ca && { ca: options.ca }) })
          : new http.Agent(common);
      agents.set(url.origin, agent);
    }
    return agent;
  }

  return {
    send(request) {
      const url = new URL(request.endpoint);
      const client = url.protocol === 'https:' ? https : http;
      return new Promise<PushAnswer>((resolve, reject) => {
        const req = client.request(
          url,
          { method: 'POST', headers: request.headers, agent: agentFor(url), timeout: timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                statusCode: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
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
    close() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
