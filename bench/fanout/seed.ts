/**
 * Fills a fresh database for the bench: a workspace and site made the way `beckon init`
 * makes them, then the subscribers in multi-row INSERTs (500 a statement, one transaction per
 * 10,000) — the API would take a transaction per subscriber, minutes at 100k on PostgreSQL.
 */
import type { VirtualSubscriber } from '../../test/support/push-service/index.ts';
import { openDatabase } from '../../packages/server/src/storage/database.ts';
import { newId } from '../../packages/server/src/storage/ids.ts';
import { createStore } from '../../packages/server/src/storage/store.ts';
import { initWorkspace, type InitResult } from '../../packages/server/src/workspace-setup.ts';

export interface Seeded extends InitResult {
  /** The server's id and the push service's id of each subscriber, in creation order. */
  subscribers: Array<{ subscriberId: string; pushId: string }>;
  /** Every subscriber before `laterFrom` subscribed before this time, the rest after it. */
  laterThan: number;
}

export async function seed(
  databaseUrl: string,
  pages: AsyncIterable<VirtualSubscriber[]>,
  /** Subscribers from this index on subscribe a second later (`Seeded.laterThan`). */
  opts: { laterFrom?: number } = {},
): Promise<Seeded> {
  const db = await openDatabase(databaseUrl);
  try {
    const store = createStore(db);
    const now = Date.now();
    const init = await initWorkspace(
      store,
      { name: 'Bench shop', origins: ['https://shop.example'] },
      now,
    );
    const [site] = await store.sites.getMany([init.siteId]);
    if (!site) throw new Error('the site init made is missing');
    const subscribers: Seeded['subscribers'] = [];
    for await (const page of pages) {
      await db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < page.length; i += 500) {
          const rows = page.slice(i, i + 500).map((s) => {
            const id = newId('sub');
            subscribers.push({ subscriberId: id, pushId: s.id });
            return {
              id,
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
              created_at: subscribers.length > (opts.laterFrom ?? Infinity) ? now + 1_000 : now,
              last_seen_at: now,
            };
          });
          await trx.insertInto('subscribers').values(rows).execute();
        }
      });
    }
    return { ...init, subscribers, laterThan: now + 1 };
  } finally {
    await db.close();
  }
}
