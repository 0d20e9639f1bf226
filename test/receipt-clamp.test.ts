import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

const FIVE_MINUTES = 5 * 60_000;

/** Receipts' `at` is clamped to [the delivery's creation, now + 5 minutes] (issue 9, finding 9). */
describe.each(DIALECTS)('receipt times on %s', (dialect) => {
  let beckon: TestBeckon;
  let deliveryId: string;
  let notificationCreatedAt: number;

  const receipt = (body: Record<string, unknown>) =>
    fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId, ...body }),
    });
  const storedAt = async (kind: string) =>
    Number(
      (
        await beckon.store.db.kysely
          .selectFrom('receipts')
          .select('at')
          .where('delivery_id', '=', deliveryId)
          .where('kind', '=', kind)
          .executeTakeFirstOrThrow()
      ).at,
    );

  beforeAll(async () => {
    // No workers: the delivery stays queued, and a receipt may come before the push answer.
    beckon = await startBeckon({ dialect, workers: false });
    const subscribed = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: {
          endpoint: 'https://fcm.googleapis.com/fcm/send/receipt-clamp',
          keys: {
            p256dh:
              'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
            auth: 'tBHItJI5svbpez7KI4CCXg',
          },
        },
      }),
    });
    const { subscriberId } = (await subscribed.json()) as { subscriberId: string };
    const campaign = (await (
      await beckon.api('/v1/campaigns', {
        body: { name: 'News', messages: [{ id: 'm', title: 'News', body: 'Hi' }] },
      })
    ).json()) as { id: string };
    const sent = await beckon.api('/v1/notifications', {
      body: { campaignId: campaign.id, target: { subscriberIds: [subscriberId] } },
    });
    const { notificationId } = (await sent.json()) as { notificationId: string };
    for (let i = 0; i < 10 && (await beckon.engine.jobRunner.runOnce()); i++);
    const row = await beckon.store.db.kysely
      .selectFrom('deliveries')
      .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
      .select(['deliveries.id', 'notifications.created_at'])
      .where('deliveries.notification_id', '=', notificationId)
      .executeTakeFirstOrThrow();
    deliveryId = row.id;
    notificationCreatedAt = Number(row.created_at);
  });

  afterAll(async () => {
    await beckon?.stop();
  });

  it('stores an at of 1999 as the delivery creation time', async () => {
    expect((await receipt({ kind: 'shown', at: '1999-01-01T00:00:00Z' })).status).toBe(202);
    expect(await storedAt('shown')).toBe(notificationCreatedAt);
  });

  it('stores an at of 2099 as now + 5 minutes', async () => {
    const before = Date.now();
    expect((await receipt({ kind: 'clicked', at: '2099-01-01T00:00:00Z' })).status).toBe(202);
    const after = Date.now();
    const at = await storedAt('clicked');
    expect(at).toBeGreaterThanOrEqual(before + FIVE_MINUTES);
    expect(at).toBeLessThanOrEqual(after + FIVE_MINUTES);
  });

  it('keeps an at that lies inside the window as sent', async () => {
    const at = new Date(Date.now() - 1_000);
    expect((await receipt({ kind: 'closed', at: at.toISOString() })).status).toBe(202);
    expect(await storedAt('closed')).toBe(Math.max(at.getTime(), notificationCreatedAt));
  });
});
