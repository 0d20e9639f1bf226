import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

/**
 * Issue 16 item 10: the real Segment and RudderStack Node clients, with their default
 * options (RudderStack gzips every batch), pointed at Beckon on loopback.
 */
describe.each(DIALECTS)('real Segment-spec clients on %s', (dialect) => {
  let beckon: TestBeckon;

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false });
  });
  afterAll(() => beckon.stop());

  const eventsOf = async (externalId: string) =>
    (
      await beckon.store.db.kysely
        .selectFrom('events')
        .select(['type', 'name'])
        .where('external_id', '=', externalId)
        .execute()
    )
      .map((e) => `${e.type}:${e.name ?? ''}`)
      .sort();

  const traitsOf = async (externalId: string) => {
    const res = await beckon.api(`/v1/users/${encodeURIComponent(externalId)}`);
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { traits: Record<string, unknown> }).traits;
  };

  it('stores what @segment/analytics-node sends (identify + track + flush)', async () => {
    const errors: unknown[] = [];
    const analytics = new SegmentAnalytics({ writeKey: beckon.apiKey, host: beckon.url });
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'seg-user', traits: { plan: 'pro', email: 'a@example.com' } });
    analytics.track({ userId: 'seg-user', event: 'Order Completed', properties: { value: 42 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);
    expect(await eventsOf('seg-user')).toEqual(['identify:', 'track:Order Completed']);
    expect(await traitsOf('seg-user')).toMatchObject({ plan: 'pro' });
  });

  it('stores what @rudderstack/rudder-sdk-node sends gzipped by default', async () => {
    const errors: unknown[] = [];
    const analytics = new RudderAnalytics(beckon.apiKey, {
      dataPlaneUrl: beckon.url,
      logLevel: 'error',
      retryCount: 0,
      errorHandler: (e: unknown) => errors.push(e),
    });
    analytics.identify({ userId: 'rudder-user', traits: { plan: 'team' } });
    analytics.track({ userId: 'rudder-user', event: 'Cart Updated', properties: { items: 3 } });
    await analytics.flush();
    expect(errors).toEqual([]);
    await eventually(async () => (await eventsOf('rudder-user')).length === 2, {
      what: 'the two RudderStack events',
    });
    expect(await eventsOf('rudder-user')).toEqual(['identify:', 'track:Cart Updated']);
    expect(await traitsOf('rudder-user')).toMatchObject({ plan: 'team' });
  });
});
