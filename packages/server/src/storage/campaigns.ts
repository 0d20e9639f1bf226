import { sql, type Kysely, type Selectable } from 'kysely';
import type { PushPayload } from '../wire.ts';
import type { Capping } from './sites.ts';
import { newId } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import { addHourly } from './campaign-series.ts';
import type { CampaignTable, Database } from './schema.ts';

/** A campaign's message: what a push shows (the wire payload's fields) plus its id. */
export type CampaignMessage = Omit<PushPayload, 'deliveryId' | 'data' | 'renotify'> & {
  id: string;
};

export interface Campaign {
  id: string;
  workspaceId: string;
  name: string;
  messages: CampaignMessage[];
  capping: Capping | null;
  /** Evergreen: every new member of the audience gets this message once, automatically. */
  audience: EvergreenAudience | null;
  createdAt: number;
  updatedAt: number;
}

export interface EvergreenAudience {
  audienceId: string;
  messageId: string;
}

export const STAT_NAMES = [
  'sent',
  'delivered',
  'failed',
  'capped',
  'shown',
  'clicked',
  'closed',
] as const;
export type StatName = (typeof STAT_NAMES)[number];
export type StatCounts = Record<StatName, number>;

export function emptyCounts(): StatCounts {
  return { sent: 0, delivered: 0, failed: 0, capped: 0, shown: 0, clicked: 0, closed: 0 };
}

/** An increment of one message's counters, as workers add them up per batch. */
export interface StatIncrement {
  workspaceId: string;
  campaignId: string;
  messageId: string;
  /** When it happened (the hourly roll-up's bucket): a delivery's recording, a receipt's `at`. */
  at: number;
  counts: Partial<StatCounts>;
}

function toCampaign(row: Selectable<CampaignTable>): Campaign {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    messages: fromJson(row.messages, []),
    capping: fromJson(row.capping, null),
    audience:
      row.audience_id && row.audience_message_id
        ? { audienceId: row.audience_id, messageId: row.audience_message_id }
        : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createCampaignStore(db: Kysely<Database>) {
  return {
    async create(
      input: Pick<Campaign, 'workspaceId' | 'name' | 'messages' | 'capping' | 'audience'>,
      now: number,
    ): Promise<Campaign> {
      const row = {
        id: newId('cmp'),
        workspace_id: input.workspaceId,
        name: input.name,
        messages: toJson(input.messages),
        capping: input.capping ? toJson(input.capping) : null,
        audience_id: input.audience?.audienceId ?? null,
        audience_message_id: input.audience?.messageId ?? null,
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('campaigns').values(row).execute();
      return toCampaign(row);
    },

    async get(workspaceId: string, id: string): Promise<Campaign | undefined> {
      const row = await db
        .selectFrom('campaigns')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toCampaign(row);
    },

    /**
     * Campaigns attached to an audience (evergreen), across workspaces, for the sweeper: ids
     * only, so one unreadable row is found (and isolated) when that campaign is loaded.
     */
    async listEvergreen(): Promise<Array<{ id: string; workspaceId: string }>> {
      const rows = await db
        .selectFrom('campaigns')
        .select(['id', 'workspace_id'])
        .where('audience_id', 'is not', null)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id }));
    },

    async getMany(ids: readonly string[]): Promise<Campaign[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('campaigns').selectAll().where('id', 'in', ids).execute();
      return rows.map(toCampaign);
    },

    async list(
      workspaceId: string,
      page: { limit: number; cursor?: string },
    ): Promise<{ data: Campaign[]; nextCursor: string | null }> {
      let query = db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId);
      if (page.cursor) query = query.where('id', '>', page.cursor);
      const rows = await query
        .orderBy('id')
        .limit(page.limit + 1)
        .execute();
      const data = rows.slice(0, page.limit).map(toCampaign);
      return { data, nextCursor: rows.length > page.limit ? (data.at(-1)?.id ?? null) : null };
    },

    async update(
      workspaceId: string,
      id: string,
      patch: Partial<Pick<Campaign, 'name' | 'messages' | 'capping' | 'audience'>>,
      now: number,
    ): Promise<Campaign | undefined> {
      const set: Partial<CampaignTable> = { updated_at: now };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.messages !== undefined) set.messages = toJson(patch.messages);
      if (patch.capping !== undefined) set.capping = patch.capping ? toJson(patch.capping) : null;
      if (patch.audience !== undefined) {
        set.audience_id = patch.audience?.audienceId ?? null;
        set.audience_message_id = patch.audience?.messageId ?? null;
      }
      await db
        .updateTable('campaigns')
        .set(set)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      return this.get(workspaceId, id);
    },

    /** Names of these campaigns of the workspace, by id (others are left out). */
    async names(workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('campaigns')
        .select(['id', 'name'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', ids)
        .execute();
      return new Map(rows.map((r) => [r.id, r.name]));
    },

    async stats(campaignId: string): Promise<Map<string, StatCounts>> {
      const rows = await db
        .selectFrom('campaign_stats')
        .selectAll()
        .where('campaign_id', '=', campaignId)
        .execute();
      return new Map(
        rows.map((r) => [
          r.message_id,
          Object.fromEntries(STAT_NAMES.map((n) => [n, Number(r[n])])) as StatCounts,
        ]),
      );
    },

    /**
     * Adds increments atomically (INSERT … ON CONFLICT DO UPDATE works on both dialects), to
     * the totals and to the hourly roll-up behind stats over time.
     */
    async incrementStats(
      increments: readonly StatIncrement[],
      trx: Kysely<Database> = db,
    ): Promise<void> {
      const merged = mergeIncrements(increments);
      await addHourly(trx, merged);
      for (const inc of merged) {
        const counts = { ...emptyCounts(), ...inc.counts };
        await trx
          .insertInto('campaign_stats')
          .values({ campaign_id: inc.campaignId, message_id: inc.messageId, ...counts })
          .onConflict((oc) =>
            oc
              .columns(['campaign_id', 'message_id'])
              .doUpdateSet(
                Object.fromEntries(
                  STAT_NAMES.filter((n) => counts[n] !== 0).map((n) => [
                    n,
                    sql`campaign_stats.${sql.ref(n)} + ${counts[n]}`,
                  ]),
                ),
              ),
          )
          .execute();
      }
    },
  };
}

function mergeIncrements(increments: readonly StatIncrement[]): StatIncrement[] {
  const merged = new Map<string, StatIncrement>();
  for (const inc of increments) {
    const key = `${inc.campaignId}\u0000${inc.messageId}\u0000${inc.at - (inc.at % 3_600_000)}`;
    const into = merged.get(key) ?? { ...inc, counts: {} };
    for (const [name, value] of Object.entries(inc.counts) as [StatName, number][]) {
      into.counts[name] = (into.counts[name] ?? 0) + value;
    }
    merged.set(key, into);
  }
  return [...merged.values()].filter((inc) => Object.values(inc.counts).some((v) => v !== 0));
}

export type CampaignStore = ReturnType<typeof createCampaignStore>;
