import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { parsePrometheus } from './support/prometheus.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const TOKEN = 'metrics-token-0123456789';

/** API.md "Operations": the counters of `/metrics` are what the server did. */
describe.each(DIALECTS)('metrics and readiness on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      env: { BECKON_METRICS_TOKEN: TOKEN },
    });
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${beckon.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    return parsePrometheus(await res.text());
  };

  it('answers /readyz when the database is reachable and migrated', async () => {
    const res = await fetch(`${beckon.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: dialect });
  });

  it('counts deliveries by outcome, push answers by origin and status, latency and events', async () => {
    const before = await scrape();
    const browsers = push.createSubscribers(4);
    for (const browser of browsers) {
      const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: { endpoint: browser.endpoint, keys: browser.keys } }),
      });
      expect(res.status).toBe(201);
    }
    push.respondWith(browsers[0]!.id, { status: 410 });
    const campaign = (await (
      await beckon.api('/v1/campaigns', {
        body: { name: 'M', messages: [{ title: 'Hi', body: 'there' }] },
      })
    ).json()) as { id: string };
    const sent = await beckon.api('/v1/notifications', {
      body: { campaignId: campaign.id, target: { all: true } },
    });
    expect(sent.status).toBe(202);
    const tracked = await beckon.api('/v1/batch', {
      body: {
        batch: [
          { type: 'track', userId: 'u1', event: 'A' },
          { type: 'track', userId: 'u1', event: 'B' },
          { type: 'identify', userId: 'u1', traits: {} },
        ],
      },
    });
    expect(tracked.status).toBe(200);

    const delta = (after: Map<string, number>, key: string) =>
      (after.get(key) ?? 0) - (before.get(key) ?? 0);
    const origin = push.origin;
    const after = await eventually(
      async () => {
        const m = await scrape();
        return delta(m, 'beckon_deliveries_total{outcome="delivered"}') === 3 &&
          delta(m, 'beckon_deliveries_total{outcome="failed"}') === 1
          ? m
          : undefined;
      },
      { what: 'the deliveries to be counted', timeoutMs: 15_000 },
    );
    expect(delta(after, `beckon_push_responses_total{origin="${origin}",status="201"}`)).toBe(3);
    expect(delta(after, `beckon_push_responses_total{origin="${origin}",status="410"}`)).toBe(1);
    expect(delta(after, 'beckon_delivery_latency_seconds_count')).toBe(3);
    expect(after.get('beckon_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(
      after.get('beckon_delivery_latency_seconds_count'),
    );
    expect(delta(after, 'beckon_events_ingested_total')).toBe(3);
    expect(after.get('beckon_queue_depth{lane="deliveries"}')).toBe(0);
    expect(after.get('beckon_webhook_backlog')).toBe(0);
    expect(after.has('beckon_trigger_runs_waiting')).toBe(true);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});
