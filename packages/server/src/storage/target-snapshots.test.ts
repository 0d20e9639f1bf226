import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import type { Target } from '../domain/target.ts';
import { initWorkspace } from '../workspace-setup.ts';
import { openDatabase, type Db } from './database.ts';
import { createStore, type Store } from './store.ts';

/**
 * A snapshot resolves the included audiences first and tests categories and excluded
 * audiences on their members (targeting.ts, `membersFirst`): it must reach exactly the
 * subscribers the windows of `targeting.scan` reach, whatever the target combines.
 */
describe.each(DIALECTS)('a snapshot of a combined target on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let workspaceId: string;
  let siteId: string;
  let otherSiteId: string;
  const now = Date.now();
  const DAY = 86_400_000;
  const ids: Record<string, { id: string; site: string; user: string | null; at: number }> = {};
  let buyers: string;
  let vips: string;
  let blocked: string;
  let refunded: string;

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    const init = await initWorkspace(store, {}, now);
    siteId = init.siteId;
    workspaceId = (await store.sites.getMany([siteId]))[0]!.workspaceId;
    otherSiteId = (
      await store.sites.create(
        {
          workspaceId,
          name: 'other',
          origins: [],
          categories: [{ id: 'deals', label: 'Deals' }],
          prompt: {} as never,
          capping: {},
          vapidSubject: 'mailto:t@example.com',
          vapidPublicKey: 'x',
          vapidPrivateKey: 'x',
        },
        now,
      )
    ).id;
    // 48 subscribers: every fourth without a user, two in three in "deals", one site in five
    // the other one, subscribed over the last 48 days; users 0–11 each have two browsers.
    for (let i = 0; i < 48; i++) {
      const user = i % 4 === 3 ? null : `user-${i % 12}`;
      const site = i % 5 === 0 ? otherSiteId : siteId;
      const at = now - (48 - i) * DAY;
      const { id } = await store.subscribers.upsert(
        {
          workspaceId,
          siteId: site,
          ...(user && { externalId: user }),
          ...(i % 3 !== 1 && { categories: ['deals'] }),
          subscription: {
            endpoint: `https://push.example/c/${i}`,
            keys: { p256dh: 'p', auth: 'a' },
          },
        },
        at,
      );
      ids[i] = { id, site, user, at };
      const event = (name: string, value: number) => ({
        workspaceId,
        siteId: site,
        subscriberId: id,
        anonymousId: null,
        externalId: user,
        type: 'track' as const,
        name,
        properties: { value },
        messageId: null,
        occurredAt: now - 1_000,
      });
      // The rule's buyers: by user for most, by the bare subscriber itself for some.
      if (i % 2 === 0 || i % 8 === 7)
        await store.events.insert([event('Order Completed', 40 + i)], now);
      if (i === 7 || i === 14) await store.events.insert([event('Refunded', 1)], now);
    }
    const create = (name: string, rule: unknown) =>
      store.audiences.create({ workspaceId, name, rule }, now);
    buyers = (
      await create('Buyers', {
        event: { name: 'Order Completed', where: { value: { gte: 50 } }, within: 'P30D' },
      })
    ).id;
    refunded = (await create('Refunded', { event: { name: 'Refunded' } })).id;
    const vip = await create('VIP', null);
    await store.audiences.addMembers(
      vip,
      [
        { type: 'user', id: 'user-1' },
        { type: 'subscriber', id: ids[3]!.id },
      ],
      now,
    );
    vips = vip.id;
    const block = await create('Blocked', null);
    await store.audiences.addMembers(
      block,
      [
        { type: 'user', id: 'user-6' },
        { type: 'subscriber', id: ids[19]!.id },
      ],
      now,
    );
    blocked = block.id;
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  async function scanned(target: Target): Promise<string[]> {
    const found: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.targeting.scan(workspaceId, target, cursor, 7, now);
      found.push(...page.rows.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    return found;
  }

  async function snapshotted(name: string, target: Target): Promise<string[]> {
    const total = await store.targeting.snapshot(name, workspaceId, target, now);
    const found: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.targeting.snapshotPage(name, cursor, 5);
      found.push(...page.rows.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    await store.targeting.dropSnapshot(name);
    expect(found).toHaveLength(total);
    return found;
  }

  it('includes, excludes, and narrows by category, site and date exactly as the windows do', async () => {
    const target: Target = {
      audiences: { include: [buyers, vips], exclude: [blocked, refunded] },
      categories: ['deals'],
      siteIds: [siteId],
      subscribedBetween: { from: now - 40 * DAY, to: now - 2 * DAY },
    };
    // Worked out by hand from the seeding: a buyer (value ≥ 50) by user or by itself, or a
    // VIP; not blocked nor refunded (by user or by itself); in deals, on the first site,
    // subscribed in the range.
    const bought = new Set(
      Object.keys(ids)
        .map(Number)
        .filter((i) => (i % 2 === 0 || i % 8 === 7) && 40 + i >= 50)
        .map((i) => ids[i]!.user ?? ids[i]!.id),
    );
    const refunds = new Set(
      Object.keys(ids)
        .map(Number)
        .filter((i) => i === 7 || i === 14)
        .map((i) => ids[i]!.user ?? ids[i]!.id),
    );
    const expected = Object.keys(ids)
      .map(Number)
      .filter((i) => {
        const s = ids[i]!;
        const key = s.user ?? s.id;
        const included = bought.has(key) || s.user === 'user-1' || i === 3;
        const excluded = s.user === 'user-6' || i === 19 || refunds.has(key);
        return (
          included &&
          !excluded &&
          i % 3 !== 1 &&
          s.site === siteId &&
          s.at >= now - 40 * DAY &&
          s.at < now - 2 * DAY
        );
      })
      .map((i) => ids[i]!.id)
      .sort();
    expect(expected.length).toBeGreaterThan(2);
    expect(await scanned(target)).toEqual(expected);
    expect(await snapshotted('ntf_combined', target)).toEqual(expected);
    expect(await store.targeting.count(workspaceId, target, now)).toBe(expected.length);
  });

  it('keeps a snapshot whole when it is taken again, listing nobody twice', async () => {
    const target: Target = { audiences: { include: [buyers] } };
    const first = await store.targeting.snapshot('ntf_again', workspaceId, target, now);
    expect(first).toBeGreaterThan(2);
    // A later send time takes the rule's 30 days past every event: run anew, it would match none.
    const again = await store.targeting.snapshot('ntf_again', workspaceId, target, now + 60 * DAY);
    expect(again).toBe(first);
    const page = await store.targeting.snapshotPage('ntf_again', null, 1_000);
    expect(page.rows).toHaveLength(first);
    expect(new Set(page.rows.map((r) => r.id)).size).toBe(first);
    await store.targeting.dropSnapshot('ntf_again');
    expect(await store.targeting.snapshot('ntf_again', workspaceId, target, now + 60 * DAY)).toBe(
      0,
    );
  });

  it("never counts another workspace's events or traits for a subscriber", async () => {
    // user-5 bought nothing here; the same external id buys big and has the trait elsewhere.
    const other = await initWorkspace(store, {}, now);
    const otherWorkspace = (await store.sites.getMany([other.siteId]))[0]!.workspaceId;
    await store.events.insert(
      [
        {
          workspaceId: otherWorkspace,
          siteId: other.siteId,
          subscriberId: null,
          anonymousId: null,
          externalId: 'user-5',
          type: 'track' as const,
          name: 'Order Completed',
          properties: { value: 99 },
          messageId: null,
          occurredAt: now - 1_000,
        },
      ],
      now,
    );
    await store.users.upsert(otherWorkspace, 'user-5', { plan: 'gold' }, now);
    const gold = await store.audiences.create(
      { workspaceId, name: 'Gold', rule: { trait: { plan: 'gold' } } },
      now,
    );
    const user5 = Object.values(ids).filter((s) => s.user === 'user-5');
    expect(user5.length).toBeGreaterThan(0);
    for (const target of [
      { audiences: { include: [buyers] } },
      { audiences: { include: [gold.id] } },
    ] satisfies Target[]) {
      const found = await snapshotted(`ntf_other_${target.audiences.include[0]}`, target);
      expect(found.length).toBeLessThan(48);
      for (const s of user5) expect(found).not.toContain(s.id);
    }
  });

  it.each<[string, () => Target]>([
    [
      'an audience and a category',
      () => ({ audiences: { include: [buyers] }, categories: ['deals'] }),
    ],
    [
      'an audience minus another',
      () => ({ audiences: { include: [buyers], exclude: [refunded] } }),
    ],
    [
      'only an exclusion and a category',
      () => ({ audiences: { exclude: [blocked] }, categories: ['deals'] }),
    ],
    ['a category nobody ticked', () => ({ audiences: { include: [vips] }, categories: ['none'] })],
  ])('reaches the same subscribers as the windows for %s', async (name, make) => {
    const target = make();
    const expected = await scanned(target);
    expect(await snapshotted(`ntf_${name.replace(/\W+/g, '_')}`, target)).toEqual(expected);
  });
});
