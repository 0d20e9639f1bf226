/**
 * A small local stand-in of Mozilla's push service (autopush), so Firefox's own push client can
 * subscribe and receive offline. Two faces on one port:
 * - a WebSocket at `ws://127.0.0.1:PORT/` speaking the protocol of Firefox's
 *   `PushServiceWebSocket.sys.mjs`: `hello` → uaid, `register` → pushEndpoint, `notification`
 *   out, `ack` back (code 100 delivered, 101 could not decrypt), `{}` pings;
 * - an RFC 8030 endpoint, `POST /push/<channelID>`, that checks VAPID (RFC 8292) and forwards the
 *   encrypted body untouched (or with one bit flipped, for the negative control).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_BODY_BYTES } from '../push-service/check-push-request.ts';
import { createVapidVerifier } from '../push-service/vapid-verify.ts';

/** What the browser answered for one forwarded message. */
export interface Ack {
  channelID: string;
  version: string;
  /** 100 delivered, 101 could not decrypt, 102 other error (Firefox's codes). */
  code: number;
}

export interface Autopush {
  /** `http://127.0.0.1:PORT`: the VAPID audience and the origin Beckon must allow. */
  origin: string;
  /** `ws://127.0.0.1:PORT/`: Firefox's `dom.push.serverURL`. */
  serverURL: string;
  /** Flip one bit of every forwarded body from now on (or stop doing so). */
  tamper(on: boolean): void;
  /** Bounded wait for the browser's ack of the message with this version. */
  waitForAck(version: string, timeoutMs?: number): Promise<Ack>;
  /** The versions forwarded so far, oldest first. */
  forwarded: string[];
  /** The push endpoints Firefox has registered. */
  endpoints(): string[];
  /** Push requests refused, with why. */
  refusals: string[];
  close(): Promise<void>;
}

const PUSH_PATH = /^\/push\/([0-9a-f-]{36})$/;
/** Firefox registers a handful of channels; a runaway client must not grow the map forever. */
const MAX_CHANNELS = 1000;

const unpadded = (base64url: string) => base64url.replace(/=+$/, '');

export async function startAutopush(): Promise<Autopush> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const verifyVapid = createVapidVerifier({ audience: origin });

  /** channelID → the socket it lives on and the applicationServerKey it was registered with. */
  const channels = new Map<string, { socket: WebSocket; key?: string }>();
  const acks = new Map<string, Ack>();
  const forwarded: string[] = [];
  const refusals: string[] = [];
  let tampering = false;

  const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(raw)) as Record<string, unknown>;
      } catch {
        socket.close(1002, 'not JSON');
        return;
      }
      const send = (reply: object) => socket.send(JSON.stringify(reply));
      switch (message.messageType) {
        case undefined: // a ping
          send({});
          break;
        case 'hello':
          // Firefox offers its old uaid; any fresh one makes it drop stale registrations.
          send({ messageType: 'hello', status: 200, uaid: randomUUID(), use_webpush: true });
          break;
        case 'register': {
          const channelID = String(message.channelID);
          if (channels.size >= MAX_CHANNELS)
            return send({ messageType: 'register', channelID, status: 503 });
          const key = typeof message.key === 'string' ? unpadded(message.key) : undefined;
          channels.set(channelID, { socket, key });
          send({
            messageType: 'register',
            channelID,
            status: 200,
            pushEndpoint: `${origin}/push/${channelID}`,
          });
          break;
        }
        case 'unregister':
          channels.delete(String(message.channelID));
          send({ messageType: 'unregister', channelID: message.channelID, status: 200 });
          break;
        case 'ack':
        case 'nack':
          for (const u of (message.updates as Ack[] | undefined) ?? [message as unknown as Ack]) {
            const code =
              message.messageType === 'nack' ? Number(u.code ?? 101) : Number(u.code ?? 100);
            acks.set(String(u.version), {
              channelID: String(u.channelID),
              version: String(u.version),
              code,
            });
          }
          break;
        default:
          break;
      }
    });
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refuse = (status: number, reason: string) => {
      refusals.push(reason);
      res.writeHead(status, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ title: reason, status }));
    };
    const channelID = req.method === 'POST' ? PUSH_PATH.exec(req.url ?? '')?.[1] : undefined;
    const channel = channelID ? channels.get(channelID) : undefined;
    if (!channelID || !channel) return refuse(404, 'no such subscription');
    const vapid = verifyVapid(req.headers.authorization);
    if (!vapid.ok) return refuse(403, vapid.reason);
    // RFC 8292 §4.2: a subscription restricted to a key takes pushes signed with that key only.
    if (channel.key && unpadded(vapid.claims.publicKey) !== channel.key)
      return refuse(403, "VAPID key is not the subscription's applicationServerKey");
    if (req.headers['content-encoding'] !== 'aes128gcm')
      return refuse(415, 'Content-Encoding must be aes128gcm (RFC 8291)');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return refuse(413, `body over ${MAX_BODY_BYTES} bytes`);
      const body = Buffer.concat(chunks);
      // Past the 86-byte aes128gcm header, into the ciphertext: only decryption can notice.
      if (tampering && body.length > 90) body[90]! ^= 0x01;
      const version = randomUUID();
      forwarded.push(version);
      channel.socket.send(
        JSON.stringify({
          messageType: 'notification',
          channelID,
          version,
          data: body.toString('base64url'),
          headers: { encoding: 'aes128gcm' },
        }),
      );
      res.writeHead(201, {
        location: `${origin}/message/${version}`,
        ttl: String(req.headers.ttl ?? 0),
      });
      res.end();
    });
  });

  return {
    origin,
    serverURL: `ws://127.0.0.1:${port}/`,
    forwarded,
    refusals,
    endpoints: () => [...channels.keys()].map((id) => `${origin}/push/${id}`),
    tamper(on) {
      tampering = on;
    },
    async waitForAck(version, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ack = acks.get(version);
        if (ack) return ack;
        if (Date.now() > deadline)
          throw new Error(`timed out after ${timeoutMs} ms waiting for the ack of ${version}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
