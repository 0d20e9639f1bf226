import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
} from './support/push-service/index.ts';

const HOUR = 3_600_000;
const pad = (n: number) => String(((n % 24) + 24) % 24).padStart(2, '0');

/** Time-bound sends with a controllable clock: sendAt, quiet hours, campaign caps. */
describe.each(DIALECTS)('scheduling and capping on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let skew = 0;

  const advance = (ms: number) => {
    skew += ms;
    beckon.advanceClock(ms);
  };

  async function subscriber(
    extra: Record<string, unknown> = {},
  ): Promise<{ s: VirtualSubscriber; id: string }> {
    const s = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: s.endpoint, keys: s.keys },
        ...extra,
        // The site requires identity verification: an externalId travels with its hash.
        ...(typeof extra.externalId === 'string' && {
          userHash: beckon.userHash(extra.externalId),
        }),
      }),
    });
    return { s, id: ((await res.json()) as { subscriberId: string }).subscriberId };
  }

  async function campaign(body: Record<string, unknown> = {}): Promise<string> {
    const res = await beckon.api('/v1/campaigns', {
      body: { name: 'C', messages: [{ title: 'Hello', body: '' }], ...body },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function send(body: Record<string, unknown>) {
    const res = await beckon.api('/v1/notifications', { body });
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { notificationId: string }).notificationId;
  }

  const status = async (id: string) =>
    (await (await beckon.api(`/v1/notifications/${id}`)).json()) as {
      status: string;
      counts: Record<string, number>;
    };

  const sent = (id: string) =>
    eventually(async () => ((await status(id)).status === 'sent' ? status(id) : undefined), {
      what: id,
    });

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('holds a scheduled send until sendAt', async () => {
    const { id } = await subscriber();
    const cmp = await campaign();
    const sendAt = new Date(Date.now() + skew + 2 * HOUR).toISOString();
    const ntf = await send({ campaignId: cmp, target: { subscriberIds: [id] }, sendAt });
    await new Promise((r) => setTimeout(r, 300));
    expect((await status(ntf)).status).toBe('scheduled');
    expect(push.messages).toHaveLength(0);
    advance(2 * HOUR + 1_000);
    expect((await sent(ntf)).counts).toMatchObject({ delivered: 1 });
  });

  it("delivers inside the quiet-hours window of each subscriber's timezone, later ones wait", async () => {
    const utcHour = new Date(Date.now() + skew).getUTCHours();
    // A window over midnight from 10 h after now to 1 h after now (UTC): it is open now for
    // a subscriber in UTC and opens within the hour in Tokyo (UTC+9), where it is closed now.
    // (The clock moves little: a VAPID token signed on a clock a day ahead is refused.)
    const deliveryWindow = { start: `${pad(utcHour + 10)}:00`, end: `${pad(utcHour + 1)}:00` };
    const london = await subscriber({ timezone: 'UTC', externalId: `tz-${dialect}` });
    const tokyo = await subscriber({ timezone: 'Asia/Tokyo', externalId: `tz-${dialect}` });
    const cmp = await campaign();
    const ntf = await send({
      campaignId: cmp,
      target: { externalIds: [`tz-${dialect}`] },
      deliveryWindow,
    });
    const [first] = await push.waitForMessages(1);
    expect(first!.endpoint).toBe(london.s.endpoint);
    await new Promise((r) => setTimeout(r, 300));
    expect(push.messages).toHaveLength(1);
    expect((await status(ntf)).status).toBe('sending');
    advance(HOUR);
    const all = await push.waitForMessages(2);
    expect(all[1]!.endpoint).toBe(tokyo.s.endpoint);
    expect((await sent(ntf)).counts).toMatchObject({ delivered: 2 });
  });

  it('caps a campaign per subscriber per hour, counts capped, and frees the slot an hour later', async () => {
    const { id } = await subscriber();
    const cmp = await campaign({ capping: { perHour: 1 } });
    const other = await campaign();
    const first = await send({ campaignId: cmp, target: { subscriberIds: [id] } });
    expect((await sent(first)).counts).toMatchObject({ delivered: 1, capped: 0 });
    const second = await send({ campaignId: cmp, target: { subscriberIds: [id] } });
    expect((await sent(second)).counts).toMatchObject({ delivered: 0, capped: 1 });
    // Another campaign without caps is not held back by this one's cap.
    expect(
      (await sent(await send({ campaignId: other, target: { subscriberIds: [id] } }))).counts,
    ).toMatchObject({ delivered: 1 });
    const stats = (await (await beckon.api(`/v1/campaigns/${cmp}/stats`)).json()) as Record<
      string,
      number
    >;
    expect(stats).toMatchObject({ delivered: 1, capped: 1, failed: 0 });
    const forced = await send({
      campaignId: cmp,
      target: { subscriberIds: [id] },
      ignoreCapping: true,
    });
    expect((await sent(forced)).counts).toMatchObject({
      delivered: 1,
      capped: 0,
      cappingIgnored: 1,
    });
    advance(HOUR + 1_000);
    expect(
      (await sent(await send({ campaignId: cmp, target: { subscriberIds: [id] } }))).counts,
    ).toMatchObject({ delivered: 1 });
  });

  it('refuses a malformed delivery window', async () => {
    const cmp = await campaign();
    const res = await beckon.api('/v1/notifications', {
      body: {
        campaignId: cmp,
        target: { all: true },
        deliveryWindow: { start: '9am', end: '21:00' },
      },
    });
    expect(res.status).toBe(400);
  });
});
