/**
 * `npm run bench:webhooks [-- --subscribers 5000 --rounds 2]` — what a webhook subscribed to
 * every delivery event costs the fan-out, same run, same server:
 *
 * 1. a local push service (HTTPS + HTTP/2) with N virtual subscribers, in its own process;
 * 2. `beckon serve` on a fresh SQLite file (or PostgreSQL with `BECKON_DATABASE_URL`);
 * 3. a local webhook receiver in this process, answering 204;
 * 4. rounds alternating: a notification to all N with the webhook disabled (no outbox rows),
 *    then with it enabled (2 rows per delivery: delivery.sent + delivery.delivered, signed and
 *    posted while the next batches go out). Each webhook round also waits for the receiver to
 *    have every event, timed from the send, so the drain is measured and never spills into
 *    the next round.
 *
 * Reported: median msgs/s of each kind and their ratio (goal ≥ 0.8×), and events/s drained.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VirtualSubscriber } from '../test/support/push-service/index.ts';
import { benchDatabase } from './fanout/database.ts';
import { forkTs } from './fanout/ipc.ts';
import type { handlers as PushService } from './fanout/push-service-child.ts';
import { seed } from './fanout/seed.ts';
import { startServer } from './fanout/server-process.ts';
import { createCampaign, sendToAll, type FanOutResult } from './fanout/sends.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '2' },
  },
});
const N = Number(values.subscribers);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  throw new Error('--subscribers and --rounds are positive integers');
}
const CONTENT = { title: 'Webhook bench', body: 'Every delivery leaves an event', url: '/' };
const DELIVERY_EVENTS = [
  'delivery.sent',
  'delivery.delivered',
  'delivery.failed',
  'delivery.capped',
];

let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received += 1;
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const database = benchDatabase(process.env.BECKON_DATABASE_URL);
const caFile = join(tmpdir(), `beckon-bench-ca-${process.pid}.pem`);
const push = forkTs<typeof PushService>(new URL('./fanout/push-service-child.ts', import.meta.url));

try {
  process.stderr.write(`starting the push service with ${N.toLocaleString()} subscribers…\n`);
  const { origin, ca } = await push.call('start', { decryptEvery: 50, subscribers: N });
  writeFileSync(caFile, ca);
  process.stderr.write(`seeding ${database.label}…\n`);
  const pages = async function* (): AsyncGenerator<VirtualSubscriber[]> {
    for (let at = 0; at < N; at += 10_000) {
      yield await push.call('subscribers', { from: at, to: Math.min(N, at + 10_000) });
    }
  };
  const seeded = await seed(database.url, pages());
  const server = await startServer({
    BECKON_DATABASE_URL: database.url,
    BECKON_PUSH_ORIGINS_ALLOW: origin,
    BECKON_PUSH_CA_FILE: caFile,
    BECKON_WEBHOOK_ORIGINS_ALLOW: receiverOrigin,
    BECKON_RATE_LIMIT_PER_IP: '0',
    BECKON_RATE_LIMIT_PER_SITE: '0',
    BECKON_LOG_LEVEL: 'warn',
  });
  const api = async <T>(path: string, body: unknown, method = 'POST'): Promise<T> => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const results: { none: FanOutResult[]; webhook: FanOutResult[]; drain: number[] } = {
    none: [],
    webhook: [],
    drain: [],
  };
  try {
    const campaignId = await createCampaign(server, seeded.apiKey, CONTENT);
    const webhook = await api<{ id: string }>('/v1/webhooks', {
      url: `${receiverOrigin}/hook`,
      events: DELIVERY_EVENTS,
      enabled: false,
    });
    const context = {
      server,
      push,
      apiKey: seeded.apiKey,
      campaignId,
      title: CONTENT.title,
      postgres: database.label === 'PostgreSQL',
    };
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`round ${round}: fan-out to ${N.toLocaleString()}, no webhook…\n`);
      await api(`/v1/webhooks/${webhook.id}`, { enabled: false }, 'PATCH');
      results.none.push(await sendToAll(context, N));

      process.stderr.write(`round ${round}: fan-out with a webhook on every delivery event…\n`);
      await api(`/v1/webhooks/${webhook.id}`, { enabled: true }, 'PATCH');
      const before = received;
      const startedAt = Date.now();
      results.webhook.push(await sendToAll(context, N));
      // delivery.sent + delivery.delivered per subscriber.
      const expected = before + 2 * N;
      let last = received;
      let lastChange = Date.now();
      while (received < expected && Date.now() - lastChange < 30_000) {
        await new Promise((r) => setTimeout(r, 50));
        if (received !== last) [last, lastChange] = [received, Date.now()];
      }
      if (received < expected) throw new Error(`webhook got ${received - before} of ${2 * N}`);
      results.drain.push((Date.now() - startedAt) / 1000);
    }
  } catch (error) {
    process.stderr.write(`the server said:\n${server.log()}`);
    throw error;
  } finally {
    await server.stop();
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const none = median(results.none.map((r) => r.msgsPerSecond));
  const withHook = median(results.webhook.map((r) => r.msgsPerSecond));
  const drain = median(results.drain);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const complete = [...results.none, ...results.webhook].every((r) => r.complete);
  console.log(`# Webhook cost on fan-out (${database.label}, ${fmt(N)} subscribers, ${ROUNDS} rounds each)
| run | msgs/s per round | median |
|---|---|---|
| no webhook | ${results.none.map((r) => fmt(r.msgsPerSecond)).join(', ')} | ${fmt(none)} |
| 1 webhook, every delivery event | ${results.webhook.map((r) => fmt(r.msgsPerSecond)).join(', ')} | ${fmt(withHook)} |

ratio with / without: ${(withHook / none).toFixed(2)}× (goal ≥ 0.8×)
webhook drained ${fmt(2 * N)} events (signed, one POST each) ${drain.toFixed(1)} s after the send: ${fmt((2 * N) / drain)} events/s
every push arrived and decrypted: ${complete ? 'yes' : 'NO'}`);
  if (!complete) process.exitCode = 1;
} finally {
  await push.call('close').catch(() => {});
  await database.drop();
  rmSync(caFile, { force: true });
  receiver.close();
}
