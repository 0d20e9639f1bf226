import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/**
 * A local webhook endpoint: every request's signature is checked with `standardwebhooks`' own
 * verifier (a bad one is answered 400 and kept in `invalid`); accepted events are kept in
 * arrival order, a repeated `webhook-id` in `duplicates`. `failNext(n)` answers the next n 500.
 */
export async function createWebhookReceiver() {
  let verifier: Webhook | undefined;
  let failing = 0;
  const events: ReceivedEvent[] = [];
  const duplicates: string[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let failedAnswers = 0;

  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    requests += 1;
    if (failing > 0) {
      failing -= 1;
      failedAnswers += 1;
      res.writeHead(500).end('try later');
      return;
    }
    let event: ReceivedEvent;
    try {
      if (!verifier) throw new Error('no secret yet');
      const payload = verifier.verify(body, req.headers as Record<string, string>) as Omit<
        ReceivedEvent,
        'id'
      >;
      event = { id: String(req.headers['webhook-id']), ...payload };
    } catch (error) {
      invalid.push(`${(error as Error).message}: ${body.slice(0, 200)}`);
      res.writeHead(400).end('bad signature');
      return;
    }
    if (seen.has(event.id)) duplicates.push(event.id);
    else {
      seen.add(event.id);
      events.push(event);
    }
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/hooks`,
    events,
    duplicates,
    invalid,
    get requests() {
      return requests;
    },
    get failedAnswers() {
      return failedAnswers;
    },
    /** The webhook's secret, as `POST /v1/webhooks` showed it. */
    useSecret(secret: string) {
      verifier = new Webhook(secret);
    },
    failNext(n: number) {
      failing = n;
    },
    /** Events of one type (each webhook-id once). */
    ofType(type: string) {
      return events.filter((e) => e.type === type);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof createWebhookReceiver>>;
