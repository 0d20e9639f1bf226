import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWorkspace, type InitResult } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
} from './support/push-service/index.ts';

const HOUR = 3_600_000;

/**
 * One workspace's broken work never holds back another's (issue 9, finding 7): workspace A
 * has a corrupt campaign row under its evergreen campaign and under a trigger's send step;
 * workspace B's evergreen and trigger pushes still arrive, and A's run ends `failed`.
 */
describe.each(DIALECTS)('failure isolation on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let b: InitResult;

  const call = async <T>(key: string, path: string, body?: unknown, status = 201) => {
    const res = await fetch(beckon.url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  };
  const asA = <T>(path: string, body?: unknown, status?: number) =>
    call<T>(beckon.apiKey, path, body, status);
  const asB = <T>(path: string, body?: unknown, status?: number) =>
    call<T>(b.apiKey, path, body, status);

  async function subscribe(siteKey: string, externalId: string): Promise<VirtualSubscriber> {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        externalId,
        userHash: await beckon.userHashOn(siteKey, externalId),
      }),
    });
    expect(res.status).toBe(201);
    return subscriber;
  }

  const campaign = (as: typeof asA, name: string, extra: Record<string, unknown> = {}) =>
    as<{ id: string }>('/v1/campaigns', {
      name,
      messages: [{ id: 'm', title: name, body: 'Hello' }],
      ...extra,
    }).then((c) => c.id);

  /** What a worker would trip over: a campaign row whose messages are not JSON. */
  const corrupt = (campaignId: string) =>
    beckon.store.db.kysely
      .updateTable('campaigns')
      .set({ messages: 'not json' })
      .where('id', '=', campaignId)
      .execute();

  const arrivedAt = (subscriber: VirtualSubscriber) =>
    push.messages.some((m) => m.endpoint === subscriber.endpoint);

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
    b = await initWorkspace(beckon.store, { name: 'B', origins: ['http://b.test'] }, Date.now());
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  it("sweeps workspace B's evergreen campaign while A's evergreen campaign row is corrupt", async () => {
    // A's campaign is older, so the sweep meets it first.
    const listA = (await asA<{ id: string }>('/v1/audiences', { name: 'A list' })).id;
    const brokenA = await campaign(asA, 'A welcome', { evergreen: { audienceId: listA } });
    await corrupt(brokenA);

    const listB = (await asB<{ id: string }>('/v1/audiences', { name: 'B list' })).id;
    await campaign(asB, 'B welcome', { evergreen: { audienceId: listB } });
    const bea = await subscribe(b.siteKey, 'bea');
    await asB(`/v1/audiences/${listB}/members`, { add: ['bea'] }, 202);

    await eventually(async () => arrivedAt(bea), { what: "B's evergreen push" });
  });

  it("delivers workspace B's trigger push while A's run in the same batch throws, and A's run ends failed", async () => {
    const cartA = await campaign(asA, 'A cart');
    const cartB = await campaign(asB, 'B cart');
    const steps = (campaignId: string) => [{ wait: 'PT1M' }, { send: { campaignId } }];
    const triggerA = await asA<{ id: string }>('/v1/triggers', {
      name: 'A cart',
      on: { event: 'Cart Updated' },
      steps: steps(cartA),
    });
    const triggerB = await asB<{ id: string }>('/v1/triggers', {
      name: 'B cart',
      on: { event: 'Cart Updated' },
      steps: steps(cartB),
    });
    const ann = await subscribe(beckon.siteKey, 'ann');
    const bob = await subscribe(b.siteKey, 'bob');
    await asA('/v1/track', { userId: 'ann', event: 'Cart Updated' }, 200);
    await asB('/v1/track', { userId: 'bob', event: 'Cart Updated' }, 200);
    const run = () =>
      beckon.store.db.kysely
        .selectFrom('trigger_runs')
        .select(['status', 'step', 'wake_at', 'attempts', 'last_error'])
        .where('trigger_id', '=', triggerA.id)
        .executeTakeFirstOrThrow();
    const parked = async () => {
      const runs = await beckon.store.db.kysely
        .selectFrom('trigger_runs')
        .select('step')
        .where('trigger_id', 'in', [triggerA.id, triggerB.id])
        .execute();
      return runs.length === 2 && runs.every((r) => r.step === 1);
    };
    // Both runs are parked on their wait before the clock moves (a run that reached its wait
    // after the move would wait a minute from then); A's wakes first, so it leads the batch.
    await eventually(parked, { what: 'both runs to wait' });
    await corrupt(cartA);

    beckon.advanceClock(2 * 60_000);
    await eventually(async () => arrivedAt(bob), { what: "B's trigger push" });

    // A's run retries with backoff, then gives up with its error instead of retrying forever.
    const failed = await eventually(
      async () => {
        const row = await run();
        if (row.status === 'failed') return row;
        beckon.advanceClock(HOUR);
        return undefined;
      },
      { what: "A's run to end failed" },
    );
    expect(failed.attempts).toBe(5);
    expect(failed.last_error).toMatch(/JSON/);
    expect(failed.step).toBe(1);
    expect(arrivedAt(ann)).toBe(false);
  });
});

/** A delivery whose row cannot be read fails alone; the batch it was claimed with is sent. */
describe.each(DIALECTS)('delivery batch isolation on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let b: InitResult;

  beforeAll(async () => {
    push = await createLocalPushService();
    // No background loops: the test claims the batch itself, so both deliveries share it.
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin], workers: false });
    b = await initWorkspace(beckon.store, { name: 'B', origins: ['http://b.test'] }, Date.now());
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  async function send(key: string, siteKey: string, externalId: string) {
    const subscriber = push.createSubscriber();
    await fetch(`${beckon.url}/v1/sites/${siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        externalId,
        userHash: await beckon.userHashOn(siteKey, externalId),
      }),
    });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(beckon.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as Record<string, string>;
    };
    const { id: campaignId } = await post('/v1/campaigns', {
      name: 'News',
      messages: [{ id: 'm', title: 'News', body: 'Hello' }],
    });
    const { notificationId } = await post('/v1/notifications', {
      campaignId,
      target: { externalIds: [externalId] },
    });
    return { subscriber, notificationId: notificationId! };
  }

  it("sends B's delivery and records A's unreadable one on that delivery alone, failing it after bounded attempts", async () => {
    const a = await send(beckon.apiKey, beckon.siteKey, 'ann');
    const bob = await send(b.apiKey, b.siteKey, 'bob');
    for (let i = 0; i < 10 && (await beckon.engine.jobRunner.runOnce()); i++);
    await beckon.store.db.kysely
      .updateTable('notifications')
      .set({ content: 'not json' })
      .where('id', '=', a.notificationId)
      .execute();

    expect(await beckon.engine.deliveryWorker.runOnce()).toBe(2);
    const [message] = await push.waitForMessages(1);
    expect(message!.endpoint).toBe(bob.subscriber.endpoint);

    const delivery = () =>
      beckon.store.db.kysely
        .selectFrom('deliveries')
        .select(['status', 'attempts', 'last_error', 'sent_at'])
        .where('notification_id', '=', a.notificationId)
        .executeTakeFirstOrThrow();
    expect(await delivery()).toMatchObject({ status: 'queued', attempts: 1, sent_at: null });
    expect((await delivery()).last_error).toMatch(/JSON/);

    for (let i = 0; i < 10 && (await delivery()).status === 'queued'; i++) {
      beckon.advanceClock(60_000);
      await beckon.engine.deliveryWorker.runOnce();
    }
    expect(await delivery()).toMatchObject({ status: 'failed', attempts: 5, sent_at: null });
    expect(push.messages).toHaveLength(1);
  });
});
