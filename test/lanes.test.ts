import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../packages/server/src/storage/ids.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const BROADCAST = 2_000;

/**
 * Lanes (issue 11): a single-user send made right after a broadcast arrives while the
 * broadcast is still going out, and a second workspace's broadcast goes out beside a first
 * one's bigger one instead of after it. The push service answers every request after 40 ms,
 * so a 2,000-subscriber broadcast takes about a second at 100 requests in flight.
 */
describe.each(DIALECTS)('lanes on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;

  beforeAll(async () => {
    // Decrypting one message in 50 keeps the test's own CPU out of the way.
    push = await createLocalPushService({ decryptEvery: 50 });
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
  });

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  /** Subscribers written straight to the table (the API would take a transaction each). */
  async function seed(workspaceId: string, siteId: string, count: number, externalId?: string) {
    const now = Date.now();
    const subscribers = push.createSubscribers(count);
    await beckon.store.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < subscribers.length; i += 500) {
        await trx
          .insertInto('subscribers')
          .values(
            subscribers.slice(i, i + 500).map((s) => ({
              id: newId('sub'),
              workspace_id: workspaceId,
              site_id: siteId,
              endpoint: s.endpoint,
              p256dh: s.keys.p256dh,
              auth: s.keys.auth,
              expiration_time: null,
              timezone: null,
              language: null,
              anonymous_id: null,
              external_id: externalId ?? null,
              created_at: now,
              last_seen_at: now,
            })),
          )
          .execute();
      }
    });
    return new Set(subscribers.map((s) => s.id));
  }

  async function workspace(name: string) {
    const init = await initWorkspace(
      beckon.store,
      { name, origins: ['https://shop.example'] },
      Date.now(),
    );
    const [site] = await beckon.store.sites.getMany([init.siteId]);
    const api = async (path: string, body: unknown) => {
      const res = await fetch(beckon.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBeLessThan(300);
      return (await res.json()) as Record<string, any>;
    };
    const campaign = await api('/v1/campaigns', {
      name,
      messages: [{ title: name, body: '' }],
    });
    const send = (target: unknown) => api('/v1/notifications', { campaignId: campaign.id, target });
    return { workspaceId: site!.workspaceId, siteId: init.siteId, send, name };
  }

  const arrived = (ids: Set<string>) => push.messages.filter((m) => ids.has(m.subscriberId));

  it('delivers a single-user send made right after a broadcast before the broadcast ends', async () => {
    push.reset();
    push.respondWith('*', { delayMs: 40 });
    const shop = await workspace('Shop');
    const everyone = await seed(shop.workspaceId, shop.siteId, BROADCAST);
    const user = await seed(shop.workspaceId, shop.siteId, 1, 'reset-me');

    await shop.send({ siteIds: [shop.siteId] });
    await eventually(async () => arrived(everyone).length >= 50, {
      what: 'the broadcast to start',
    });
    const sentAt = Date.now();
    await shop.send({ externalIds: ['reset-me'] });
    const [single] = await push.waitForMessages(1, {
      filter: (m) => user.has(m.subscriberId),
      timeoutMs: 20_000,
    });
    const broadcastSoFar = arrived(everyone).length;
    expect(broadcastSoFar).toBeLessThan(BROADCAST);
    await eventually(async () => arrived(everyone).length === BROADCAST || undefined, {
      what: 'the broadcast to finish',
      timeoutMs: 100_000,
      intervalMs: 100,
    });
    const lastBroadcast = Math.max(...arrived(everyone).map((m) => m.receivedAt));
    expect(single!.receivedAt).toBeLessThan(lastBroadcast);
    expect(single!.receivedAt - sentAt).toBeLessThan(lastBroadcast - sentAt);
  }, 240_000);

  it("sends workspace B's broadcast while workspace A's bigger one is still going out", async () => {
    push.reset();
    push.respondWith('*', { delayMs: 40 });
    const a = await workspace('A');
    const b = await workspace('B');
    const bigA = await seed(a.workspaceId, a.siteId, BROADCAST);
    const smallB = await seed(b.workspaceId, b.siteId, 300);

    await a.send({ all: true });
    await eventually(async () => arrived(bigA).length >= 50, { what: "A's broadcast to start" });
    await b.send({ all: true });
    await eventually(async () => arrived(smallB).length === 300 || undefined, {
      what: "B's broadcast to finish",
      timeoutMs: 100_000,
      intervalMs: 50,
    });
    expect(arrived(bigA).length).toBeLessThan(BROADCAST);
    await eventually(async () => arrived(bigA).length === BROADCAST || undefined, {
      what: "A's broadcast to finish",
      timeoutMs: 100_000,
      intervalMs: 100,
    });
    // Each subscriber got exactly one push.
    expect(new Set(push.messages.map((m) => m.subscriberId)).size).toBe(push.messages.length);
  }, 240_000);
});
