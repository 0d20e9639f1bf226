import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../packages/server/src/storage/ids.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const HOUR = 3_600_000;
const FAN_OUT = 2_000;

interface NotificationJson {
  id: string;
  status: string;
  campaignId: string;
  jobId: string;
  counts: Record<string, number>;
}

/**
 * API.md "Notifications: list, cancel": the workspace's list, newest first, filtered and
 * paged; a cancel that stops a scheduled send and a fan-out in progress; 409 once finished.
 */
describe.each(DIALECTS)('notification list and cancel on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let skew = 0;

  const advance = (ms: number) => {
    skew += ms;
    beckon.advanceClock(ms);
  };

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  async function subscriber(): Promise<{ pushId: string; id: string }> {
    const s = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: { endpoint: s.endpoint, keys: s.keys } }),
    });
    expect(res.status).toBe(201);
    return { pushId: s.id, id: ((await res.json()) as { subscriberId: string }).subscriberId };
  }

  async function campaign(name: string): Promise<string> {
    const res = await beckon.api('/v1/campaigns', {
      body: { name, messages: [{ title: name, body: '' }] },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function send(body: Record<string, unknown>): Promise<string> {
    const res = await beckon.api('/v1/notifications', { body });
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { notificationId: string }).notificationId;
  }

  async function get(id: string): Promise<NotificationJson> {
    const res = await beckon.api(`/v1/notifications/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as NotificationJson;
  }

  async function list(query: string): Promise<{ data: NotificationJson[]; nextCursor: string }> {
    const res = await beckon.api(`/v1/notifications?${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as { data: NotificationJson[]; nextCursor: string };
  }

  const cancel = (id: string) => beckon.api(`/v1/notifications/${id}/cancel`, { body: {} });

  const sent = (id: string) =>
    eventually(async () => (await get(id)).status === 'sent', { what: `${id} to be sent` });

  it('lists the workspace’s notifications newest first, a page at a time, by status and campaign', async () => {
    const { id: subscriberId } = await subscriber();
    const news = await campaign('News');
    const offers = await campaign('Offers');
    const first = await send({ campaignId: news, target: { subscriberIds: [subscriberId] } });
    await sent(first);
    advance(1_000);
    const second = await send({ campaignId: offers, target: { subscriberIds: [subscriberId] } });
    await sent(second);
    advance(1_000);
    const later = await send({
      campaignId: news,
      target: { subscriberIds: [subscriberId] },
      sendAt: new Date(Date.now() + skew + HOUR).toISOString(),
    });

    const page1 = await list('limit=2');
    expect(page1.data.map((n) => n.id)).toEqual([later, second]);
    expect(page1.data[0]).toEqual(await get(later));
    expect(page1.data[1]).toEqual(await get(second));
    const page2 = await list(`limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`);
    expect(page2.data.map((n) => n.id)).toEqual([first]);
    expect(page2.nextCursor).toBeNull();

    expect((await list(`campaignId=${news}`)).data.map((n) => n.id)).toEqual([later, first]);
    expect((await list('status=scheduled')).data.map((n) => n.id)).toEqual([later]);
    expect((await list('status=sent')).data.map((n) => n.id)).toEqual([second, first]);
    expect((await list(`status=sent&campaignId=${offers}`)).data.map((n) => n.id)).toEqual([
      second,
    ]);
    expect((await list('status=cancelled')).data).toEqual([]);
    expect((await cancel(later)).status).toBe(200);
    expect((await list('status=cancelled')).data.map((n) => n.id)).toEqual([later]);
    expect((await list('status=scheduled')).data).toEqual([]);
  });

  it('refuses an unknown status, a junk cursor and an injected campaignId with 400 or nothing', async () => {
    for (const query of [
      'status=paused',
      'cursor=1%3B%20DROP%20TABLE%20notifications',
      'limit=0',
    ]) {
      const res = await beckon.api(`/v1/notifications?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const injected = await list(`campaignId=${encodeURIComponent("x' OR '1'='1")}`);
    expect(injected.data).toEqual([]);
    expect((await list('limit=1')).data).toHaveLength(1);
  });

  it('cancels a scheduled notification, and nothing arrives after its sendAt', async () => {
    const { pushId, id: subscriberId } = await subscriber();
    const id = await send({
      campaignId: await campaign('Tomorrow'),
      target: { subscriberIds: [subscriberId] },
      sendAt: new Date(Date.now() + skew + HOUR).toISOString(),
    });
    expect((await get(id)).status).toBe('scheduled');
    const res = await cancel(id);
    expect(res.status).toBe(200);
    const cancelled = (await res.json()) as NotificationJson;
    expect(cancelled).toMatchObject({ id, status: 'cancelled' });

    advance(2 * HOUR);
    await eventually(
      async () => {
        const job = (await (await beckon.api(`/v1/jobs/${cancelled.jobId}`)).json()) as {
          status: string;
        };
        return job.status === 'succeeded';
      },
      { what: 'the fan-out job to run past its sendAt' },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(push.messages.filter((m) => m.subscriberId === pushId)).toEqual([]);
    expect((await get(id)).counts).toMatchObject({ targeted: 0, sent: 0, pending: 0 });
    expect((await get(id)).status).toBe('cancelled');
  });

  it('answers 409 to cancelling a sent or an already cancelled notification, changing nothing', async () => {
    const { id: subscriberId } = await subscriber();
    const campaignId = await campaign('Done');
    const done = await send({ campaignId, target: { subscriberIds: [subscriberId] } });
    await sent(done);
    const before = await get(done);
    const res = await cancel(done);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await get(done)).toEqual(before);
    expect(before.counts).toMatchObject({ delivered: 1, cancelled: 0 });

    const scheduled = await send({
      campaignId,
      target: { subscriberIds: [subscriberId] },
      sendAt: new Date(Date.now() + skew + HOUR).toISOString(),
    });
    expect((await cancel(scheduled)).status).toBe(200);
    const again = await cancel(scheduled);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers 404 to cancelling another workspace’s notification, which goes on', async () => {
    const { id: subscriberId } = await subscriber();
    const id = await send({
      campaignId: await campaign('Mine'),
      target: { subscriberIds: [subscriberId] },
      sendAt: new Date(Date.now() + skew + HOUR).toISOString(),
    });
    const rival = await initWorkspace(beckon.store, { name: 'Rival' }, Date.now());
    for (const path of [`/v1/notifications/${id}/cancel`, `/v1/notifications/${id}`]) {
      const res = await fetch(beckon.url + path, {
        method: path.endsWith('cancel') ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${rival.apiKey}` },
      });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(await res.text()).not.toContain(subscriberId);
    }
    const rivalList = await fetch(`${beckon.url}/v1/notifications`, {
      headers: { authorization: `Bearer ${rival.apiKey}` },
    });
    expect(((await rivalList.json()) as { data: unknown[] }).data).toEqual([]);
    expect((await get(id)).status).toBe('scheduled');
  });

  it(`stops a ${FAN_OUT}-subscriber fan-out in progress: fewer arrive, none after, and the counts add up`, async () => {
    const site = (await beckon.store.sites.getMany([beckon.siteId]))[0]!;
    const pushSubscribers = push.createSubscribers(FAN_OUT);
    const now = Date.now() + skew;
    await beckon.store.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < FAN_OUT; i += 500) {
        await trx
          .insertInto('subscribers')
          .values(
            pushSubscribers.slice(i, i + 500).map((s) => ({
              id: newId('sub'),
              workspace_id: site.workspaceId,
              site_id: site.id,
              endpoint: s.endpoint,
              p256dh: s.keys.p256dh,
              auth: s.keys.auth,
              expiration_time: null,
              timezone: null,
              language: null,
              anonymous_id: null,
              external_id: null,
              created_at: now,
              last_seen_at: now,
            })),
          )
          .execute();
      }
    });
    // This notification's pushes: the subscribers of earlier tests get it too.
    const arrived = () => push.messages.filter((m) => m.payload.includes('Flash sale')).length;

    // Slow answers keep the fan-out on the network long enough to cancel it in the middle.
    push.respondWith('*', { delayMs: 100 });
    const id = await send({ campaignId: await campaign('Flash sale'), target: { all: true } });
    await eventually(async () => arrived() >= 20, {
      what: 'the first pushes',
      timeoutMs: 20_000,
      intervalMs: 10,
    });
    const res = await cancel(id);
    expect(res.status, await res.clone().text()).toBe(200);
    const answer = (await res.json()) as NotificationJson;
    expect(answer.status).toBe('cancelled');
    // One UPDATE ended every queued delivery, leased ones too: none is left for any worker.
    expect(answer.counts.pending).toBe(0);
    expect(answer.counts.cancelled).toBeGreaterThan(0);

    // Settle: what was on the network when the cancel came arrives, then nothing more.
    let last = -1;
    for (let i = 0; i < 60 && arrived() !== last; i++) {
      last = arrived();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const settledAt = arrived();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(arrived()).toBe(settledAt);
    expect(settledAt).toBeLessThan(FAN_OUT);

    const { counts, status } = await eventually(
      async () => {
        const n = await get(id);
        return n.counts.pending === 0 ? n : undefined;
      },
      { what: 'no delivery of the cancelled notification to be pending' },
    );
    expect(status).toBe('cancelled');
    expect(counts.cancelled).toBeGreaterThan(0);
    expect(counts.delivered).toBe(settledAt);
    expect(
      counts.delivered! + counts.failed! + counts.capped! + counts.expired! + counts.cancelled!,
    ).toBe(counts.targeted);
    expect(counts.targeted).toBeGreaterThanOrEqual(FAN_OUT);
    // Each subscriber at most once.
    expect(new Set(push.messages.map((m) => m.subscriberId)).size).toBe(push.messages.length);
  });
});
