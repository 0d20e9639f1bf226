import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { PushAnswer } from '../../domain/push-response.ts';
import type { PushRequest } from './types.ts';

/** The origin's TLS handshake picked HTTP/1.1 (ALPN, RFC 7301): send it over keep-alive. */
export const NOT_H2 = Symbol('not h2');

type Connected = ClientHttp2Session | typeof NOT_H2;
interface Entry {
  connected: Promise<Connected>;
}
interface Waiting {
  stream: ClientHttp2Stream;
  /** Not answered by then (`timeoutMs` after it left): cancelled, and the send fails. */
  deadline: number;
  failure?: Error;
}

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;
/** Push services answer with a short text at most; more is not worth keeping. */
const MAX_ANSWER_BYTES = 4096;

/**
 * One HTTP/2 session per push-service origin (FCM, Mozilla and Apple all speak h2), many
 * streams on it. A session that gets GOAWAY, fails or idles out is forgotten, and the next
 * request opens a new one. The TLS handshake offers `h2` and `http/1.1`; an origin that
 * picks HTTP/1.1 is remembered and answered with `NOT_H2`.
 *
 * @example
 * const sessions = createH2Sessions({ timeoutMs: 30_000, idleMs: 60_000 });
 * const answer = await sessions.send(new URL(endpoint), { endpoint, headers, body });
 */
export function createH2Sessions(options: {
  ca?: string | Buffer | undefined;
  timeoutMs: number;
  idleMs: number;
}) {
  const entries = new Map<string, Entry>();

  function forget(origin: string, entry: Entry): void {
    if (entries.get(origin) === entry) entries.delete(origin);
  }

  function connect(url: URL): Entry {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const entry: Entry = {
      connected: new Promise<Connected>((resolve, reject) => {
        const socket = tls.connect({
          host,
          port: Number(url.port) || 443,
          // RFC 6066 §3: SNI carries host names only, never an IP address.
          ...(isIP(host) === 0 && { servername: host }),
          ...(options.ca && { ca: options.ca }),
          ALPNProtocols: ['h2', 'http/1.1'],
        });
        socket.setTimeout(options.timeoutMs, () =>
          socket.destroy(new Error(`TLS connection timed out after ${options.timeoutMs} ms`)),
        );
        socket.once('error', reject);
        socket.once('secureConnect', () => {
          socket.off('error', reject);
          socket.setTimeout(0);
          if (socket.alpnProtocol !== 'h2') {
            socket.destroy();
            return resolve(NOT_H2);
          }
          const session = http2.connect(url.origin, { createConnection: () => socket });
          const drop = () => forget(url.origin, entry);
          // Streams fail on their own; the session only has to make way for a new one.
          session.on('error', drop);
          session.on('close', drop);
          session.on('goaway', () => {
            drop();
            session.close(); // streams below the GOAWAY's last-stream-id still finish
          });
          session.setTimeout(options.idleMs, () => session.close());
          resolve(session);
        });
      }),
    };
    entry.connected.catch(() => forget(url.origin, entry));
    return entry;
  }

  async function send(
    url: URL,
    request: PushRequest,
    retried = false,
  ): Promise<PushAnswer | typeof NOT_H2> {
    let entry = entries.get(url.origin);
    if (!entry) {
      entry = connect(url);
      entries.set(url.origin, entry);
    }
    const session = await entry.connected;
    if (session === NOT_H2) return NOT_H2;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request({
        ':method': 'POST',
        ':path': url.pathname + url.search,
        ...request.headers,
      });
    } catch (error) {
      // The session started closing (GOAWAY) between lookup and use: a new one takes it.
      forget(url.origin, entry);
      if (retried) throw error;
      return send(url, request, true);
    }
    return new Promise((resolve, reject) => {
      let answer: PushAnswer | undefined;
      let chunks: Buffer[] | undefined;
      let bytes = 0;
      const waiting = watch(stream);
      stream.on('response', (headers) => {
        answer = {
          statusCode: Number(headers[':status']),
          headers: headers as PushAnswer['headers'],
        };
      });
      stream.on('data', (chunk: Buffer) => {
        // A push service answers a short text at most; most answers have no body at all.
        if (bytes < MAX_ANSWER_BYTES) (chunks ??= []).push(chunk);
        bytes += chunk.length;
      });
      stream.on('error', (error) => (waiting.failure ??= error));
      stream.on('close', () => {
        inFlight.delete(waiting);
        if (inFlight.size === 0) stopSweeping();
        const failure = waiting.failure;
        if (answer && !failure) {
          answer.body = chunks ? Buffer.concat(chunks).toString('utf8', 0, MAX_ANSWER_BYTES) : '';
          return resolve(answer);
        }
        // RFC 9113 §8.7: a stream refused (REFUSED_STREAM, or above a GOAWAY's last id) was
        // not processed, so sending it again at once cannot deliver twice.
        if (!answer && stream.rstCode === NGHTTP2_REFUSED_STREAM && !retried) {
          return resolve(send(url, request, true));
        }
        reject(failure ?? new Error(`HTTP/2 stream closed with code ${stream.rstCode}`));
      });
      stream.end(request.body ?? undefined);
    });
  }

  /**
   * Streams in flight and when each must have been answered. One timer sweeps them all,
   * instead of a timer per stream that Node re-arms on every frame read or written.
   */
  const inFlight = new Set<Waiting>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweepEveryMs = Math.max(10, Math.min(1_000, Math.floor(options.timeoutMs / 4)));

  function watch(stream: ClientHttp2Stream): Waiting {
    const waiting: Waiting = { stream, deadline: Date.now() + options.timeoutMs };
    inFlight.add(waiting);
    if (!sweeper) {
      sweeper = setInterval(sweep, sweepEveryMs);
      sweeper.unref(); // the requests' own sockets keep the process alive, not this timer
    }
    return waiting;
  }

  function sweep(): void {
    const now = Date.now();
    for (const waiting of inFlight) {
      if (now < waiting.deadline || waiting.failure) continue;
      waiting.failure = new Error(`timed out after ${options.timeoutMs} ms`);
      waiting.stream.close(NGHTTP2_CANCEL);
    }
  }

  function stopSweeping(): void {
    clearInterval(sweeper);
    sweeper = undefined;
  }

  return {
    send,
    close(): void {
      for (const entry of entries.values()) {
        entry.connected.then(
          (s) => s !== NOT_H2 && s.destroy(),
          () => {},
        );
      }
      entries.clear();
      stopSweeping();
    },
  };
}
