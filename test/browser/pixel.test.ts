import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import {
  beckonCall,
  startBrowserRig,
  subscribeThroughPrompt,
  type BrowserRig,
  type ShopSite,
  userHashFor,
} from '../support/browser.ts';

/**
 * The retargeting pixel from a real page: what `beckon('page' | 'track' | 'identify')` stores
 * on the server, ID sync included, and the consent gate. There is no API to read events yet,
 * so the test reads the events table.
 */
describe('the pixel in Chromium', () => {
  let rig: BrowserRig;

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  interface StoredEvent {
    type: string;
    name: string | null;
    properties: Record<string, unknown>;
    anonymousId: string | null;
    subscriberId: string | null;
    externalId: string | null;
    occurredAt: number;
  }

  async function eventsOf(shop: ShopSite): Promise<StoredEvent[]> {
    const rows = await rig.beckon.store.db.kysely
      .selectFrom('events')
      .selectAll()
      .where('site_id', '=', shop.id)
      .orderBy('occurred_at')
      .execute();
    return rows.map((r) => ({
      type: r.type,
      name: r.name,
      properties: JSON.parse(r.properties) as Record<string, unknown>,
      anonymousId: r.anonymous_id,
      subscriberId: r.subscriber_id,
      externalId: r.external_id,
      occurredAt: Number(r.occurred_at),
    }));
  }

  function eventsArrived(shop: ShopSite, count: number) {
    return eventually(
      async () => {
        const events = await eventsOf(shop);
        return events.length >= count ? events : undefined;
      },
      { what: `${count} event(s) on ${shop.siteKey}` },
    );
  }

  it('records the page view, custom events and identify, and links the subscriber to the user', async () => {
    const shop = await rig.createSite({ categories: [{ id: 'deals', label: 'Deals' }] });
    const { page } = await rig.open(shop);
    const [pageView] = await eventsArrived(shop, 1);
    const anonymousId = await page.evaluate(() => localStorage.getItem('beckon:aid'));
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    expect(pageView).toMatchObject({
      type: 'page',
      properties: { path: '/', title: 'Test shop', url: expect.stringContaining(rig.site.origin) },
      anonymousId,
      subscriberId: null,
      externalId: null,
    });

    const subscriberId = await subscribeThroughPrompt(page, ['Deals']);
    await beckonCall(page, 'track', 'Cart Updated', { product_name: 'Teapot', value: 42 });
    await beckonCall(
      page,
      'identify',
      'user-42',
      { plan: 'pro' },
      { userHash: userHashFor(shop, 'user-42') },
    );
    const events = await eventsArrived(shop, 3);

    const of = (type: string) => events.find((e) => e.type === type);
    expect(of('track')).toEqual({
      type: 'track',
      name: 'Cart Updated',
      properties: { product_name: 'Teapot', value: 42 },
      anonymousId,
      subscriberId,
      externalId: 'user-42', // sent before identify; joined to the user by it
      occurredAt: expect.any(Number),
    });
    expect(of('identify')).toEqual({
      type: 'identify',
      name: null,
      properties: { plan: 'pro' },
      anonymousId,
      subscriberId,
      externalId: 'user-42',
      occurredAt: expect.any(Number),
    });
    // The anonymous page view from before subscribing is joined to the user too.
    expect(of('page')!.externalId).toBe('user-42');

    const res = await rig.beckon.api('/v1/subscribers?externalId=user-42');
    const { data } = (await res.json()) as { data: Array<{ id: string; externalId: string }> };
    expect(data.map((s) => [s.id, s.externalId])).toEqual([[subscriberId, 'user-42']]);
    // No users API yet: the traits are read from the store.
    const workspace = await rig.beckon.store.sites.getByKey(shop.siteKey);
    const user = await rig.beckon.store.users.get(workspace!.workspaceId, 'user-42');
    expect(user?.traits).toEqual({ plan: 'pro' });
  });

  it('with data-consent="required", sends nothing until beckon("consent", true)', async () => {
    const shop = await rig.createSite();
    const { page } = await rig.open(shop, { consent: true });
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/events')) sent.push(r.url());
    });
    await beckonCall(page, 'track', 'Cart Updated', { value: 42 });
    // The pixel batches for 300 ms; a second is ample for anything that would go.
    await page.waitForTimeout(1_000);
    expect(sent).toEqual([]);
    expect(await eventsOf(shop)).toEqual([]);
    // Nothing identifying is stored before consent either.
    expect(await page.evaluate(() => localStorage.getItem('beckon:aid'))).toBeNull();

    const before = Date.now();
    await beckonCall(page, 'consent', true);
    const events = await eventsArrived(shop, 2);
    expect(events.map((e) => [e.type, e.name])).toEqual([
      ['page', null],
      ['track', 'Cart Updated'],
    ]);
    // Held events keep the time they happened, not the time consent came.
    expect(events.every((e) => e.occurredAt < before)).toBe(true);
    expect(events[0]!.anonymousId).toBe(
      await page.evaluate(() => localStorage.getItem('beckon:aid')),
    );
  });

  it('drops held events and stops tracking on beckon("consent", false)', async () => {
    const shop = await rig.createSite();
    const { page } = await rig.open(shop, { consent: true });
    await beckonCall(page, 'track', 'Cart Updated', { value: 1 });
    await beckonCall(page, 'consent', false);
    await beckonCall(page, 'track', 'Order Completed', { value: 2 });
    await page.waitForTimeout(1_000);
    expect(await eventsOf(shop)).toEqual([]);
  });
});
