import type { Kysely } from 'kysely';
import { newId } from './ids.ts';
import { enqueueEvents } from './outbox.ts';
import type { Database } from './schema.ts';
import { countSubscribedMany } from './subscriber-stats.ts';

/** One subscription moved from another push vendor, already validated. */
export interface ImportedSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  externalId?: string;
  categories?: string[];
  createdAt?: number;
  timezone?: string;
  language?: string;
}

// Rows per INSERT: 13 columns × 200 stays far under SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT = 200;

const chunks = <T>(items: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, i * size + size),
  );

/**
 * Writes imported subscriptions a chunk at a time: one transaction per chunk, multi-row
 * upserts on (site, endpoint), categories replaced where given, and a user created for every
 * external id. Endpoints within a chunk are unique
 * (the caller merges duplicates).
 */
export function createSubscriberImport(db: Kysely<Database>) {
  return {
    async importChunk(
      site: { workspaceId: string; siteId: string },
      rows: readonly ImportedSubscription[],
      now: number,
    ): Promise<{ imported: number; updated: number }> {
      if (rows.length === 0) return { imported: 0, updated: 0 };
      return db.transaction().execute(async (trx) => {
        const known = new Map<string, string>();
        for (const part of chunks(rows, 500)) {
          const found = await trx
            .selectFrom('subscribers')
            .select(['id', 'endpoint'])
            .where('site_id', '=', site.siteId)
            .where(
              'endpoint',
              'in',
              part.map((r) => r.endpoint),
            )
            .execute();
          for (const f of found) known.set(f.endpoint, f.id);
        }
        // One statement per 200 rows: new endpoints are inserted, known ones updated in place
        // (what a record leaves out keeps its stored value), and every row's id comes back.
        const ids = new Map<string, string>();
        for (const part of chunks(rows, ROWS_PER_INSERT)) {
          const written = await trx
            .insertInto('subscribers')
            .values(
              part.map((r) => ({
                id: newId('sub'),
                workspace_id: site.workspaceId,
                site_id: site.siteId,
                endpoint: r.endpoint,
                p256dh: r.p256dh,
                auth: r.auth,
                expiration_time: null,
                timezone: r.timezone ?? null,
                language: r.language ?? null,
                anonymous_id: null,
                external_id: r.externalId ?? null,
                created_at: r.createdAt ?? now,
                last_seen_at: now,
              })),
            )
            .onConflict((oc) =>
              oc.columns(['site_id', 'endpoint']).doUpdateSet((eb) => ({
                p256dh: eb.ref('excluded.p256dh'),
                auth: eb.ref('excluded.auth'),
                last_seen_at: eb.ref('excluded.last_seen_at'),
                timezone: eb.fn.coalesce('excluded.timezone', 'subscribers.timezone'),
                language: eb.fn.coalesce('excluded.language', 'subscribers.language'),
                external_id: eb.fn.coalesce('excluded.external_id', 'subscribers.external_id'),
              })),
            )
            .returning(['id', 'endpoint'])
            .execute();
          for (const w of written) ids.set(w.endpoint, w.id);
        }
        const withCategories = rows.filter((r) => r.categories !== undefined);
        for (const part of chunks(withCategories, 500)) {
          await trx
            .deleteFrom('subscriber_categories')
            .where(
              'subscriber_id',
              'in',
              part.map((r) => ids.get(r.endpoint)!),
            )
            .execute();
        }
        const categoryRows = withCategories.flatMap((r) =>
          [...new Set(r.categories)].map((category_id) => ({
            subscriber_id: ids.get(r.endpoint)!,
            category_id,
          })),
        );
        for (const part of chunks(categoryRows, 1_000)) {
          await trx.insertInto('subscriber_categories').values(part).execute();
        }
        const users = [...new Set(rows.flatMap((r) => (r.externalId ? [r.externalId] : [])))];
        for (const part of chunks(users, ROWS_PER_INSERT)) {
          await trx
            .insertInto('users')
            .values(
              part.map((external_id) => ({
                workspace_id: site.workspaceId,
                external_id,
                traits: '{}',
                created_at: now,
                updated_at: now,
              })),
            )
            .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).doNothing())
            .execute();
        }
        // New subscribers count in the daily roll-up and are announced to events out, as
        // a browser's subscribe is (subscribers.upsert).
        const fresh = rows.filter((r) => !known.has(r.endpoint));
        await countSubscribedMany(
          trx,
          site,
          fresh.map((r) => r.categories ?? []),
          now,
        );
        await enqueueEvents(
          trx,
          fresh.map((r) => ({
            workspaceId: site.workspaceId,
            type: 'subscriber.created' as const,
            subject: ids.get(r.endpoint)!,
            at: now,
            data: {
              subscriberId: ids.get(r.endpoint)!,
              siteId: site.siteId,
              ...(r.externalId !== undefined && { externalId: r.externalId }),
            },
          })),
        );
        const updated = rows.length - fresh.length;
        return { imported: rows.length - updated, updated };
      });
    },
  };
}
