import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

/** `throttle: { perMinute }` spreads a notification's fan-out over time (API.md). */
describe.each(DIALECTS)('throttle on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
    for (const s of push.createSubscribers(6)) {
      const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: { endpoint: s.endpoint, keys: s.keys } }),
      });
      expect(res.status).toBe(201);
    }
    const res = await beckon.api('/v1/campaigns', {
      body: { name: 'Slow', messages: [{ title: 'Easy', body: '' }] },
    });
    campaignId = ((await res.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('sends perMinute deliveries a minute and the rest as their minute comes', async () => {
    const res = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { all: true }, throttle: { perMinute: 2 } },
    });
    expect(res.status).toBe(202);
    const { notificationId } = (await res.json()) as { notificationId: string };
    await push.waitForMessages(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(push.messages).toHaveLength(1);
    const shown = (await (await beckon.api(`/v1/notifications/${notificationId}`)).json()) as {
      throttle: unknown;
      counts: { pending: number };
    };
    expect(shown.throttle).toEqual({ perMinute: 2 });
    expect(shown.counts.pending).toBe(5);

    // Each step waits for the outcomes to be recorded: a clock jump past the lease of a
    // delivery still in hand would let another claim take it.
    const delivered = (n: number) =>
      eventually(
        async () => {
          const res = await beckon.api(`/v1/notifications/${notificationId}`);
          const { counts } = (await res.json()) as { counts: { delivered: number } };
          return counts.delivered === n;
        },
        { what: `${n} delivered` },
      );
    await delivered(1);
    beckon.advanceClock(30_000);
    await delivered(2);
    beckon.advanceClock(60_000);
    await delivered(4);
    await new Promise((r) => setTimeout(r, 300));
    expect(push.messages).toHaveLength(4);
    beckon.advanceClock(60_000);
    await eventually(async () => push.messages.length === 6, { what: 'the last two' });
    expect(new Set(push.messages.map((m) => m.subscriberId)).size).toBe(6);
  });

  it('refuses a throttle that is not a positive whole number a minute', async () => {
    for (const throttle of [{ perMinute: 0 }, { perMinute: 1.5 }, { perMinute: 1e9 }, {}, 5]) {
      const res = await beckon.api('/v1/notifications', {
        body: { campaignId, target: { all: true }, throttle },
      });
      expect(res.status, JSON.stringify(throttle)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const list = (await (await beckon.api('/v1/notifications')).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });
});
