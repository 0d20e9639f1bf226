import type { PushAnswer } from '../../domain/push-response.ts';
import { createH2Sessions, NOT_H2 } from './h2-sessions.ts';
import { createHttp1Transport } from './http1-transport.ts';
import type { PushRequest, PushTransport, TransportOptions } from './types.ts';

export type { PushRequest, PushTransport, TransportOptions } from './types.ts';

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
      const url = request.url ?? new URL(request.endpoint);
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
