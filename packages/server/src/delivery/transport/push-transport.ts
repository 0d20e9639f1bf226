import type { PushAnswer } from '../../domain/push-response.ts';
import { createH2Sessions, NOT_H2 } from './h2-sessions.ts';
import { createHttp1Transport } from './http1-transport.ts';

export interface PushRequest {
  endpoint: string;
  /** Lower-case names: HTTP/2 requires them (RFC 9113 §8.2.1), HTTP/1.1 does not mind. */
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
  /** HTTP/1.1 connections per push-service origin (HTTP/2 uses one). */
  maxSocketsPerOrigin?: number;
  timeoutMs?: number;
  /** An HTTP/2 session with nothing to do for this long is closed. */
  idleMs?: number;
}

/**
 * Sends push requests: HTTP/2 to `https:` push services (one session, many streams), and
 * HTTP/1.1 keep-alive to `http:` ones and to any whose TLS handshake does not choose h2.
 *
 * @example
 * const transport = createPushTransport({ ca: readFileSync('ca.pem') });
 * const answer = await transport.send({ endpoint, headers: { ttl: 60 }, body });
 */
export function createPushTransport(options: TransportOptions = {}): PushTransport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const http1 = createHttp1Transport({
    ca: options.ca,
    maxSocketsPerOrigin: options.maxSocketsPerOrigin ?? 64,
    timeoutMs,
  });
  const h2 = createH2Sessions({ ca: options.ca, timeoutMs, idleMs: options.idleMs ?? 60_000 });

  return {
    async send(request) {
      const url = new URL(request.endpoint);
      if (url.protocol === 'https:') {
        const answer = await h2.send(url, request);
        if (answer !== NOT_H2) return answer;
      }
      return http1.send(url, request);
    },
    close() {
      h2.close();
      http1.close();
    },
  };
}
