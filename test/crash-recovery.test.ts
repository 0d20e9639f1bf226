import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/beckon.ts';
import { DIALECTS, testDatabase, type TestDatabase } from './support/databases.ts';
import { userHash } from '../packages/server/src/domain/user-hash.ts';
import { startCliFanOut } from './support/cli-fan-out.ts';
import { freePort, runBeckon, spawnBeckon, waitForExit } from './support/process.ts';
import {
  createLocalPushService,
  type LocalPushService,
  pushed,
} from './support/push-service/index.ts';

const SUBSCRIBERS = 1_000;
/** Requests in flight per push service: what a kill -9 may leave sent but unrecorded. */
const CONCURRENCY = 50;
/** Outcomes per group commit (delivery-worker `recordEvery`): answered, commit under way. */
const GROUP = 64;

/**
 * An accepted notification is never lost: `beckon serve` is killed with SIGKILL in the
 * middle of a 1,000-subscriber fan-out, started again, and every subscriber gets the push —
 * twice for at most the requests that were in flight or awaiting their group commit.
 */
describe.each(DIALECTS)('crash recovery on %s', (dialect) => {
  let push: LocalPushService;
  let database: TestDatabase;
  let env: Record<string, string>;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    push = await createLocalPushService();
    database = testDatabase(dialect);
    env = {
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: push.origin,
      // A short lease so the restarted server takes over the dead one's work quickly
      // (a batch still sending renews it).
      BECKON_LEASE_MS: '3000',
      BECKON_POLL_MS: '100',
      BECKON_PUSH_CONCURRENCY: String(CONCURRENCY),
    };
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    await push.close();
    await database.drop();
  });

  it('delivers to every subscriber after kill -9 mid fan-out', async () => {
    const fanOut = await startCliFanOut({ env, push, subscribers: SUBSCRIBERS, firstPushes: 400 });
    const { port, notificationId, api } = fanOut;
    server = fanOut.server;
    server.kill('SIGKILL');
    await waitForExit(server);
    const beforeCrash = new Set(push.messages.map((m) => m.subscriberId)).size;
    expect(beforeCrash).toBeLessThan(SUBSCRIBERS);

    push.respondWith('*', { delayMs: 0 });
    server = await spawnBeckon('serve', env, port);
    await eventually(
      async () => new Set(push.messages.map((m) => m.subscriberId)).size === SUBSCRIBERS,
      {
        what: `all ${SUBSCRIBERS} subscribers to receive the push (had ${beforeCrash} before the crash)`,
        timeoutMs: 45_000,
        intervalMs: 200,
      },
    );
    const status = await eventually(
      async () => {
        const n = (await (await api(`/v1/notifications/${notificationId}`)).json()) as {
          status: string;
          counts: Record<string, number>;
        };
        return n.status === 'sent' ? n : undefined;
      },
      { what: 'the notification to be sent', timeoutMs: 20_000 },
    );
    expect(status.counts).toMatchObject({
      targeted: SUBSCRIBERS,
      delivered: SUBSCRIBERS,
      failed: 0,
    });
    // Every payload decrypted to the campaign's message.
    expect(push.messages.every((m) => pushed(m.payload).title === 'Sale')).toBe(true);
    // Outcomes are committed as they come (a few dozen at a time), so the restart repeats
    // only what was in flight or awaiting its commit — not the unrecorded rest of a batch.
    const duplicates = push.messages.length - SUBSCRIBERS;
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY + GROUP);
  });

  it('fires a pending trigger wait once after kill -9', async () => {
    if (server) {
      server.kill('SIGKILL'); // the first test's server: each test starts its own
      await waitForExit(server);
    }
    push.reset();
    const init = JSON.parse(await runBeckon(['init', '--json'], env)) as {
      apiKey: string;
      siteKey: string;
      identitySecret: string;
    };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await spawnBeckon('serve', env, port);
    const api = async (path: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, any>;
    };
    const subscriber = push.createSubscriber();
    await fetch(`${base}/v1/sites/${init.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        externalId: 'late',
        userHash: userHash(init.identitySecret, 'late'),
      }),
    });
    const campaign = await api('/v1/campaigns', {
      name: 'Later',
      messages: [{ title: 'Still there?', body: '' }],
    });
    const trigger = await api('/v1/triggers', {
      name: 'Nudge',
      on: { event: 'Cart Updated' },
      steps: [{ wait: 'PT3S' }, { send: { campaignId: campaign.id } }],
    });
    await api('/v1/track', { userId: 'late', event: 'Cart Updated', properties: {} });
    expect((await api(`/v1/triggers/${trigger.id}`)).stats).toMatchObject({ fired: 1, waiting: 1 });

    server.kill('SIGKILL');
    await waitForExit(server);
    server = await spawnBeckon('serve', env, port);
    const [message] = await push.waitForMessages(1, { timeoutMs: 20_000 });
    expect(pushed(message!.payload).title).toBe('Still there?');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(push.messages).toHaveLength(1);
    expect((await api(`/v1/triggers/${trigger.id}`)).stats).toMatchObject({
      fired: 1,
      waiting: 0,
      sent: 1,
      completed: 1,
    });
  });
});
