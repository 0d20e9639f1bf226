import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from './database.ts';
import { createStore, type Store } from './store.ts';
import type { SubscriberListing } from './subscriber-list.ts';

describe.each(DIALECTS)('listing subscribers on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let workspaceId: string;
  let siteA: string;
  let siteB: string;
  let otherWorkspace: string;

  const newSite = async (workspace: string, name: string) =>
    (
      await store.sites.create(
        {
          workspaceId: workspace,
          name,
          origins: [],
          categories: [],
          prompt: {} as never,
          capping: {},
          vapidSubject: 'mailto:a@b.example',
          vapidPublicKey: `B${name}`,
          vapidPrivateKey: `private-${name}`,
        },
        0,
      )
    ).id;

  const subscribe = (
    workspace: string,
    siteId: string,
    i: number,
    extra: { categories?: string[]; externalId?: string } = {},
  ) =>
    store.subscribers.upsert(
      {
        workspaceId: workspace,
        siteId,
        subscription: {
          endpoint: `https://push.example/${siteId}/${i}`,
          keys: { p256dh: `p256dh-${i}`, auth: `auth-${i}` },
        },
        timezone: 'Europe/Paris',
        ...extra,
      },
      1_700_000_000_000 + i,
    );

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    workspaceId = (await store.workspaces.create('Shop', 1)).workspace.id;
    otherWorkspace = (await store.workspaces.create('Other', 1)).workspace.id;
    siteA = await newSite(workspaceId, 'a');
    siteB = await newSite(workspaceId, 'b');
    for (let i = 0; i < 7; i++) {
      await subscribe(workspaceId, i % 2 ? siteB : siteA, i, {
        // Written out of order: the list sorts them.
        categories: i % 3 === 0 ? ['sale', 'news', 'alerts'] : [],
        ...(i === 4 && { externalId: 'u-4' }),
      });
    }
    await subscribe(otherWorkspace, await newSite(otherWorkspace, 'c'), 99);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  async function everyPage(limit: number, filter = {}): Promise<SubscriberListing[][]> {
    const pages: SubscriberListing[][] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 20; n++) {
      const page = await store.subscribers.list(workspaceId, filter, { limit, cursor });
      pages.push(page.data);
      if (!page.nextCursor) break;
      expect(page.nextCursor).toBe(page.data.at(-1)!.id);
      cursor = page.nextCursor;
    }
    return pages;
  }

  it("pages through every subscriber of the workspace once, in id order, and no other's", async () => {
    const pages = await everyPage(3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const ids = pages.flat().map((s) => s.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(7);
    expect(pages.flat().every((s) => s.siteId === siteA || s.siteId === siteB)).toBe(true);
  });

  it('gives no next cursor when the page ends exactly at the last subscriber', async () => {
    const pages = await everyPage(7);
    expect(pages.map((p) => p.length)).toEqual([7]);
    expect((await store.subscribers.list(otherWorkspace, {}, { limit: 1 })).nextCursor).toBe(null);
  });

  it('answers an empty page past the last subscriber', async () => {
    const all = (await everyPage(50)).flat();
    const past = await store.subscribers.list(
      workspaceId,
      {},
      { limit: 5, cursor: all.at(-1)!.id },
    );
    expect(past).toEqual({ data: [], nextCursor: null });
  });

  it('shows each subscriber as stored, categories sorted, and never its push keys', async () => {
    const all = (await everyPage(50)).flat();
    const first = all.find((s) => s.endpoint.endsWith('/0'))!;
    expect(first).toEqual({
      id: first.id,
      siteId: siteA,
      endpoint: `https://push.example/${siteA}/0`,
      categories: ['alerts', 'news', 'sale'],
      timezone: 'Europe/Paris',
      language: null,
      anonymousId: null,
      externalId: null,
      createdAt: 1_700_000_000_000,
      lastSeenAt: 1_700_000_000_000,
    });
    expect(all.find((s) => s.endpoint.endsWith('/1'))!.categories).toEqual([]);
  });

  it('combines the site, user and category filters', async () => {
    const endings = (pages: SubscriberListing[][]) =>
      pages.flat().map((s) => Number(s.endpoint.split('/').at(-1)));
    expect(endings(await everyPage(2, { siteId: siteB })).sort()).toEqual([1, 3, 5]);
    expect(endings(await everyPage(2, { category: 'news' })).sort()).toEqual([0, 3, 6]);
    expect(endings(await everyPage(2, { category: 'news', siteId: siteA })).sort()).toEqual([0, 6]);
    expect(endings(await everyPage(2, { externalId: 'u-4' }))).toEqual([4]);
    expect(await everyPage(2, { externalId: 'nobody' })).toEqual([[]]);
  });
});
