import type { Kysely, Selectable } from 'kysely';
import type { PushSubscriptionWire } from '../wire.ts';
import type { DialectName } from './database.ts';
import type { SubscriberEnding } from '../domain/webhook-events.ts';
import { newId } from './ids.ts';
import { enqueueEvents } from './outbox.ts';
import type { Database, SubscriberTable } from './schema.ts';
import { inTransaction } from './transaction.ts';
import type { PageRequest } from './cursor-page.ts';
import { createSubscriberList, type SubscriberFilter } from './subscriber-list.ts';

export type { SubscriberFilter, SubscriberListing } from './subscriber-list.ts';
import {
  countCategoryChanges,
  countEndings,
  countSubscribed,
  type EndingReason,
} from './subscriber-stats.ts';

export interface Subscriber {
  id: string;
  workspaceId: string;
  siteId: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  expirationTime: number | null;
  categories: string[];
  timezone: string | null;
  language: string | null;
  anonymousId: string | null;
  externalId: string | null;
  createdAt: number;
  lastSeenAt: number;
}

export interface SubscriptionInput {
  workspaceId: string;
  siteId: string;
  subscription: PushSubscriptionWire;
  /** When set, the subscriber that had this endpoint is moved to the new one (pushsubscriptionchange). */
  oldEndpoint?: string;
  categories?: string[];
  anonymousId?: string;
  /** `null` unlinks the subscriber from its user. */
  externalId?: string | null;
  timezone?: string;
  language?: string;
}

function toSubscriber(row: Selectable<SubscriberTable>, categories: string[]): Subscriber {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    siteId: row.site_id,
    endpoint: row.endpoint,
    keys: { p256dh: row.p256dh, auth: row.auth },
    expirationTime: row.expiration_time,
    categories,
    timezone: row.timezone,
    language: row.language,
    anonymousId: row.anonymous_id,
    externalId: row.external_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

export function createSubscriberStore(db: Kysely<Database>, dialect: DialectName) {
  async function categoriesOf(ids: readonly string[]): Promise<Map<string, string[]>> {
    const byId = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byId;
    const rows = await db
      .selectFrom('subscriber_categories')
      .select(['subscriber_id', 'category_id'])
      .where('subscriber_id', 'in', ids)
      .orderBy('category_id')
      .execute();
    for (const row of rows) byId.get(row.subscriber_id)?.push(row.category_id);
    return byId;
  }

  async function withCategories(rows: Selectable<SubscriberTable>[]): Promise<Subscriber[]> {
    const categories = await categoriesOf(rows.map((r) => r.id));
    return rows.map((r) => toSubscriber(r, categories.get(r.id) ?? []));
  }

  return {
    /**
     * Creates the subscriber for this endpoint on this site, or updates the one that has it.
     * Fields left out of the input keep their stored values.
     */
    async upsert(input: SubscriptionInput, now: number): Promise<{ id: string; created: boolean }> {
      return inTransaction(db, async (trx) => {
        const lookupEndpoint = input.oldEndpoint ?? input.subscription.endpoint;
        let existing = await trx
          .selectFrom('subscribers')
          .select('id')
          .where('site_id', '=', input.siteId)
          .where('endpoint', '=', lookupEndpoint)
          .executeTakeFirst();
        if (!existing && input.oldEndpoint) {
          existing = await trx
            .selectFrom('subscribers')
            .select('id')
            .where('site_id', '=', input.siteId)
            .where('endpoint', '=', input.subscription.endpoint)
            .executeTakeFirst();
        }
        const common = {
          endpoint: input.subscription.endpoint,
          p256dh: input.subscription.keys.p256dh,
          auth: input.subscription.keys.auth,
          expiration_time: input.subscription.expirationTime ?? null,
          last_seen_at: now,
          ...(input.timezone !== undefined && { timezone: input.timezone }),
          ...(input.language !== undefined && { language: input.language }),
          ...(input.anonymousId !== undefined && { anonymous_id: input.anonymousId }),
          ...(input.externalId !== undefined && { external_id: input.externalId }),
        };
        let id: string;
        if (existing) {
          id = existing.id;
          await trx.updateTable('subscribers').set(common).where('id', '=', id).execute();
        } else {
          id = newId('sub');
          await trx
            .insertInto('subscribers')
            .values({
              id,
              workspace_id: input.workspaceId,
              site_id: input.siteId,
              timezone: null,
              language: null,
              anonymous_id: null,
              external_id: null,
              created_at: now,
              ...common,
            })
            .execute();
          await enqueueEvents(trx, [
            {
              workspaceId: input.workspaceId,
              type: 'subscriber.created',
              subject: id,
              at: now,
              data: {
                subscriberId: id,
                siteId: input.siteId,
                ...(input.externalId !== undefined && { externalId: input.externalId }),
              },
            },
          ]);
        }
        if (input.categories !== undefined) {
          if (existing) {
            const before = await trx
              .selectFrom('subscriber_categories')
              .select('category_id')
              .where('subscriber_id', '=', id)
              .execute();
            await countCategoryChanges(
              trx,
              { workspaceId: input.workspaceId, siteId: input.siteId },
              before.map((r) => r.category_id),
              input.categories,
              now,
            );
          }
          await trx.deleteFrom('subscriber_categories').where('subscriber_id', '=', id).execute();
          const unique = [...new Set(input.categories)];
          if (unique.length > 0) {
            await trx
              .insertInto('subscriber_categories')
              .values(unique.map((category_id) => ({ subscriber_id: id, category_id })))
              .execute();
          }
        }
        if (!existing) {
          await countSubscribed(
            trx,
            {
              workspaceId: input.workspaceId,
              siteId: input.siteId,
              categories: input.categories ?? [],
            },
            now,
          );
        }
        return { id, created: !existing };
      });
    },

    async deleteByEndpoint(
      siteId: string,
      endpoint: string,
      reason: EndingReason,
      now: number,
    ): Promise<boolean> {
      const row = await db
        .selectFrom('subscribers')
        .select('id')
        .where('site_id', '=', siteId)
        .where('endpoint', '=', endpoint)
        .executeTakeFirst();
      if (!row) return false;
      await this.deleteIds([row.id], reason, now);
      return true;
    },

    /**
     * Deletes subscribers, counting their ending with its reason (subscriber-stats.ts) and
     * telling events out why (`subscriber.deleted`).
     */
    async deleteIds(ids: readonly string[], reason: EndingReason, now: number): Promise<void> {
      if (ids.length === 0) return;
      await inTransaction(db, async (trx) => {
        await countEndings(trx, ids, reason, now);
        const ending = await trx
          .selectFrom('subscribers')
          .select(['id', 'workspace_id', 'site_id'])
          .where('id', 'in', ids)
          .execute();
        await enqueueEvents(
          trx,
          ending.map((s) => ({
            workspaceId: s.workspace_id,
            type: 'subscriber.deleted' as const,
            subject: s.id,
            at: now,
            data: { subscriberId: s.id, siteId: s.site_id, reason },
          })),
        );
        await trx.deleteFrom('subscriber_categories').where('subscriber_id', 'in', ids).execute();
        await trx.deleteFrom('subscribers').where('id', 'in', ids).execute();
      });
    },

    /** Which of these ids are subscribers of the workspace. */
    async knownIds(workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db
        .selectFrom('subscribers')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', ids)
        .execute();
      return new Set(rows.map((r) => r.id));
    },

    async get(workspaceId: string, id: string): Promise<Subscriber | undefined> {
      const row = await db
        .selectFrom('subscribers')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && (await withCategories([row]))[0];
    },

    /** Push coordinates of many subscribers at once, for the delivery worker. */
    async getMany(ids: readonly string[]): Promise<Map<string, Selectable<SubscriberTable>>> {
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom('subscribers').selectAll().where('id', 'in', ids).execute();
      return new Map(rows.map((r) => [r.id, r]));
    },

    /** Subscribers of one site, for the public endpoints (which know only the site). */
    async getOnSite(siteId: string, id: string): Promise<Subscriber | undefined> {
      const row = await db
        .selectFrom('subscribers')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && (await withCategories([row]))[0];
    },

    /** One page of the workspace's subscribers, without their push keys (subscriber-list.ts). */
    list: createSubscriberList(db, dialect),

    /** ID sync from a server (Segment identify): every subscriber of the workspace with this anonymous id. */
    async linkAnonymousInWorkspace(
      workspaceId: string,
      anonymousId: string,
      externalId: string,
      now: number,
    ): Promise<void> {
      await db
        .updateTable('subscribers')
        .set({ external_id: externalId, last_seen_at: now })
        .where('workspace_id', '=', workspaceId)
        .where('anonymous_id', '=', anonymousId)
        .execute();
    },

    /**
     * ID sync: links subscribers of a site to a user. A subscriber id wins; otherwise every
     * subscriber of the site that carries this anonymous id is linked.
     */
    async linkExternalId(
      siteId: string,
      by: { subscriberId?: string; anonymousId?: string },
      externalId: string,
      now: number,
    ): Promise<number> {
      if (!by.subscriberId && !by.anonymousId) return 0;
      let query = db
        .updateTable('subscribers')
        .set({ external_id: externalId, last_seen_at: now })
        .where('site_id', '=', siteId);
      query = by.subscriberId
        ? query.where('id', '=', by.subscriberId)
        : query.where('anonymous_id', '=', by.anonymousId ?? '');
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

export type SubscriberStore = ReturnType<typeof createSubscriberStore>;
