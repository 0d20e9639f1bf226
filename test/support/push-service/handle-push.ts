/**
 * The request handler: reads `POST /push/{id}`, checks it, applies any scripted behaviour and
 * answers as RFC 8030 §5 describes, recording everything in the message log.
 */
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { BehaviourTable } from './behaviours.ts';
import { checkPushRequest, MAX_BODY_BYTES, type PushRequestChecks } from './check-push-request.ts';
import type { MessageLog } from './message-log.ts';
import type { RequestHandler, RequestLike, ResponseLike } from './server.ts';
import { PUSH_PATH_PREFIX, type SubscriberRegistry } from './subscriber-registry.ts';
import type { ReceivedMessage, Rejection } from './types.ts';

export interface PushHandlerDeps {
  origin: string;
  registry: SubscriberRegistry;
  behaviours: BehaviourTable;
  log: MessageLog;
  checks: PushRequestChecks;
  onMessage?: ((message: ReceivedMessage) => void) | undefined;
  onRejected?: ((rejection: Rejection) => void) | undefined;
}

export interface PushHandler {
  handle: RequestHandler;
  /** Drops answers still waiting out a `delayMs` (their connections are about to close). */
  cancelPending(): void;
}

/**
 * @example
 * const { handle } = createPushHandler({ origin, registry, behaviours, log, checks });
 * server.serve(handle);
 */
export function createPushHandler(deps: PushHandlerDeps): PushHandler {
  const { origin, registry, behaviours, log } = deps;
  const pending = new Set<NodeJS.Timeout>();

  function answer(
    res: ResponseLike,
    status: number,
    headers: OutgoingHttpHeaders = {},
    body = '',
  ): void {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  async function handlePush(id: string, req: RequestLike, res: ResponseLike): Promise<void> {
    const arrivedAt = Date.now();
    let clientGone = false;
    res.once('close', () => {
      clientGone = !res.writableEnded;
    });
    const { body, tooLarge } = await readBody(req);
    const endpoint = origin + PUSH_PATH_PREFIX + id;
    const attempt = (status: number): void =>
      log.addAttempt({ subscriberId: id, status, at: arrivedAt });
    const refuse = (status: number, reason: string): void => {
      const rejection: Rejection = { endpoint, status, reason };
      log.addRejection(rejection);
      attempt(status);
      deps.onRejected?.(rejection);
      answer(res, status, {}, reason);
    };

    const record = registry.get(id);
    // RFC 8030 §7.3: an unknown or expired subscription answers 404 (or 410).
    if (!record) return refuse(404, 'no such subscription');
    const verdict = checkPushRequest(
      {
        headers: req.headers,
        body,
        bodyTooLarge: tooLarge,
        receiver: {
          privateKey: record.privateKey,
          auth: record.subscriber.keys.auth,
        },
      },
      deps.checks,
    );
    if (!verdict.ok) return refuse(verdict.status, verdict.reason);

    const accept = (): void => {
      if (clientGone) return attempt(0); // the sender gave up first: no 201 seen, nothing delivered
      const message: ReceivedMessage = {
        subscriberId: id,
        endpoint,
        payload: verdict.payload,
        decrypted: verdict.decrypted,
        headers: verdict.headers,
        vapid: verdict.vapid,
        receivedAt: arrivedAt,
        httpVersion: req.httpVersion,
      };
      attempt(201);
      log.addMessage(message);
      deps.onMessage?.(message);
      // RFC 8030 §5: 201 Created, Location naming the push message resource; TTL as retained.
      answer(res, 201, {
        location: `${origin}/message/${randomUUID()}`,
        ttl: String(verdict.headers.ttl),
      });
    };

    const behaviour = behaviours.take(id);
    if (!behaviour) return accept();
    if ('delayMs' in behaviour) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        accept();
      }, behaviour.delayMs);
      pending.add(timer);
      return;
    }
    attempt(behaviour.status);
    const retryAfter = 'retryAfter' in behaviour ? behaviour.retryAfter : undefined;
    const text = behaviour.body ?? `scripted ${behaviour.status}`;
    answer(
      res,
      behaviour.status,
      {
        ...(retryAfter !== undefined && { 'retry-after': String(retryAfter) }),
        // Apple answers its errors as JSON `{"reason": …}`.
        ...(text.startsWith('{') && { 'content-type': 'application/json' }),
      },
      text,
    );
  }

  return {
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (!path.startsWith(PUSH_PATH_PREFIX)) {
        if (path === '/' && req.method === 'GET')
          return answer(res, 200, {}, 'Beckon local push service\n');
        return answer(res, 404, {}, 'not found');
      }
      if (req.method !== 'POST')
        return answer(res, 405, { allow: 'POST' }, 'push with POST (RFC 8030 §5)');
      handlePush(path.slice(PUSH_PATH_PREFIX.length), req, res).catch(() => {
        // Only a broken connection gets here (the body stream failed); nothing is left to answer.
      });
    },
    cancelPending() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}

/**
 * Reads the whole body but stops keeping chunks once past the limit, so a huge upload costs no
 * memory. Events rather than `for await`: the async iterator costs more than the rest of the
 * read, and the bench pushes tens of thousands of messages through here.
 */
function readBody(req: RequestLike): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let ended = false;
    req.on('data', (chunk: Buffer | string) => {
      if (length > MAX_BODY_BYTES) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.length;
    });
    req.once('end', () => {
      ended = true;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      resolve({ body: body.subarray(0, MAX_BODY_BYTES), tooLarge: length > MAX_BODY_BYTES });
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new Error('the request closed before its body ended'));
    });
  });
}
