/**
 * The listening socket: plain HTTP/1.1, or TLS offering HTTP/2 and HTTP/1.1 (ALPN), with the
 * connection bookkeeping needed to count keep-alive reuse and to close without hanging.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import type { PushServiceProtocol } from './types.ts';

/** What the handler needs of a request; both node:http and the node:http2 compat API fit. */
export interface RequestLike {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  once(event: 'end' | 'close', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
  httpVersion: string;
}

export interface ResponseLike {
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  end(body?: string): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly writableEnded: boolean;
}

export type RequestHandler = (request: RequestLike, response: ResponseLike) => void;

export interface ServerOptions {
  protocol: PushServiceProtocol;
  host: string;
  port: number;
  /** Required for `https`. */
  tls?: { key: string; cert: string } | undefined;
}

export interface RunningServer {
  readonly origin: string;
  /** Starts answering requests. Called once, right after listening, when the origin is known. */
  serve(handler: RequestHandler): void;
  connections(): { opened: number; open: number };
  /** Stops listening and destroys every connection and HTTP/2 session, idle or not. */
  close(): Promise<void>;
}

/**
 * @example
 * const server = await startServer({ protocol: 'http', host: '127.0.0.1', port: 0 });
 * server.serve((req, res) => res.end());
 * await server.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = makeServer(options);
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  let opened = 0;

  server.on('connection', (socket: Socket) => {
    opened += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = isIP(options.host) === 6 ? `[${options.host}]` : options.host;
  // URL normalises the way senders derive the VAPID aud (lower case, no default port).
  const origin = new URL(`${options.protocol}://${host}:${port}`).origin;

  return {
    origin,
    serve(handler) {
      server.on('request', handler);
    },
    connections: () => ({ opened, open: sockets.size }),
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        // Their 'close' events land a tick later; they are gone as far as stats() is concerned.
        sockets.clear();
      });
    },
  };
}

function makeServer(options: ServerOptions): Server | Http2SecureServer {
  if (options.protocol === 'http') return createServer();
  if (!options.tls) throw new Error('startServer: https needs a certificate');
  return createSecureServer({
    allowHTTP1: true,
    key: options.tls.key,
    cert: options.tls.cert,
  });
}
