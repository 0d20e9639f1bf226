import { sql, type Kysely } from 'kysely';
import type { Target } from '../domain/target.ts';
import type { AudienceStore } from './audiences.ts';
import type { DialectName } from './database.ts';
import { inCategories } from './rule-sql.ts';
import type { Database } from './schema.ts';
import { createTargetSnapshots } from './target-snapshots.ts';
import type { SubscriberQuery, TargetRow } from './target-row.ts';

export type { SubscriberQuery, TargetRow };

/**
 * Resolves a target in SQL, one page at a time in id order, so a fan-out never holds the
 * whole audience in memory. Each selector adds a WHERE clause (AND).
 */
export function createTargeting(
  db: Kysely<Database>,
  dialect: DialectName,
  audiences: AudienceStore,
) {
  /** The selectors read from the subscriber's own columns: cheap, and indexed where it matters. */
  function ownColumns<Q extends SubscriberQuery>(q: Q, target: Target): Q {
    if (target.externalIds) {
      q = q.where('subscribers.external_id', 'in', nonEmpty(target.externalIds)) as Q;
    }
    if (target.subscriberIds) {
      q = q.where('subscribers.id', 'in', nonEmpty(target.subscriberIds)) as Q;
    }
    if (target.siteIds) q = q.where('subscribers.site_id', 'in', nonEmpty(target.siteIds)) as Q;
    const between = target.subscribedBetween;
    if (between?.from !== undefined) {
      q = q.where('subscribers.created_at', '>=', between.from) as Q;
    }
    if (between?.to !== undefined) q = q.where('subscribers.created_at', '<', between.to) as Q;
    return q;
  }

  /** Include any of the listed audiences. */
  async function included(
    q: SubscriberQuery,
    workspaceId: string,
    target: Target,
    now: number,
  ): Promise<SubscriberQuery> {
    const include = target.audiences?.include ?? [];
    if (include.length === 0) return q;
    const predicates = await audiences.predicates(workspaceId, include, now);
    return q.where(({ or }) => or(predicates));
  }

  /** Exclude all of the listed audiences. */
  async function excluded(
    q: SubscriberQuery,
    workspaceId: string,
    target: Target,
    now: number,
  ): Promise<SubscriberQuery> {
    const exclude = target.audiences?.exclude ?? [];
    if (exclude.length === 0) return q;
    for (const predicate of await audiences.predicates(workspaceId, exclude, now)) {
      q = q.where(({ not }) => not(predicate));
    }
    return q;
  }

  async function query(workspaceId: string, target: Target, now: number): Promise<SubscriberQuery> {
    let q = ownColumns(
      db
        .selectFrom('subscribers')
        .select(['subscribers.id', 'subscribers.site_id', 'subscribers.timezone'])
        .where('subscribers.workspace_id', '=', workspaceId) as SubscriberQuery,
      target,
    );
    if (target.categories) q = q.where(inCategories(nonEmpty(target.categories)));
    return excluded(await included(q, workspaceId, target, now), workspaceId, target, now);
  }

  /**
   * The same subscribers as `query`, for a snapshot on PostgreSQL: the included audiences
   * (with the subscriber's own columns) are resolved first, once, in a materialised CTE,
   * and the categories and excluded audiences are then tested on those members only.
   *
   * Why: PostgreSQL costs an audience's OR'ed `EXISTS` as one index probe per subscriber
   * whichever way it runs them, so with a category in the same query it saves probes by
   * driving from `subscriber_categories` (333k rows in the bench) into `subscribers` by
   * primary key, testing the rule per row — 1.5× the rule's own cost over 1M subscribers.
   * Fenced off, the rule runs as the hashed subplans of a plain scan (what it costs alone),
   * and the rest is ~20k–60k probes of small indexes. A fan-out to narrow ids never gets
   * here (fan-out.ts pages those through their indexes); a target that only includes or
   * only excludes audiences keeps the one query.
   */
  async function membersFirst(
    workspaceId: string,
    target: Target,
    now: number,
  ): Promise<SubscriberQuery> {
    // Nothing included, the members would be the whole workspace, written out and read
    // again; nothing tested after, the fence would only copy them. (SQLite also needs the
    // outer WHERE this guarantees: without one, `ON CONFLICT` parses as a join's `ON`.)
    const testedAfter = Boolean(target.categories || target.audiences?.exclude?.length);
    if (!target.audiences?.include?.length || !testedAfter) return query(workspaceId, target, now);
    const members = await included(
      ownColumns(
        db
          .selectFrom('subscribers')
          // Every column an audience's predicate reads (see rule-sql.ts and memberSet).
          .select([
            'subscribers.id',
            'subscribers.workspace_id',
            'subscribers.site_id',
            'subscribers.timezone',
            'subscribers.external_id',
            'subscribers.created_at',
          ])
          .where('subscribers.workspace_id', '=', workspaceId) as unknown as SubscriberQuery,
        target,
      ),
      workspaceId,
      target,
      now,
    );
    // Named `subscribers` outside, so the predicates over `subscribers.*` read the members.
    let q = db
      .with(
        (cte) => cte('target_members').materialized(),
        () => members,
      )
      .selectFrom('target_members as subscribers')
      .select([
        'subscribers.id',
        'subscribers.site_id',
        'subscribers.timezone',
      ]) as unknown as SubscriberQuery;
    if (target.categories) q = q.where(inCategories(nonEmpty(target.categories)));
    return excluded(q, workspaceId, target, now);
  }

  return {
    ...createTargetSnapshots(db, dialect, membersFirst),

    async count(workspaceId: string, target: Target, now: number): Promise<number> {
      const row = await (
        await query(workspaceId, target, now)
      )
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /**
     * The matching subscribers among the next `window` subscribers of the workspace (by
     * id), and where the next window starts (null at the end). Scanning fixed id ranges
     * keeps every query small whatever the target matches: with LIMIT over a selective
     * target, PostgreSQL re-hashes a whole events or categories table for every page.
     */
    async scan(
      workspaceId: string,
      target: Target,
      afterId: string | null,
      window: number,
      now: number,
    ): Promise<{ rows: TargetRow[]; next: string | null }> {
      let bound = db
        .selectFrom('subscribers')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .orderBy('id')
        .offset(window - 1)
        .limit(1);
      if (afterId) bound = bound.where('id', '>', afterId);
      const end = (await bound.executeTakeFirst())?.id ?? null;
      let q = await query(workspaceId, target, now);
      if (afterId) q = q.where('subscribers.id', '>', afterId);
      if (end) q = q.where('subscribers.id', '<=', end);
      const rows = await q.orderBy('subscribers.id').execute();
      return { rows, next: end };
    },

    /**
     * The subscribers of any of `externalIds`, with whose each is, in one query for the
     * express sends of a group commit that name users and nothing else (at most `limit`:
     * more, and the caller asks per send).
     */
    async ofExternalIds(
      workspaceId: string,
      externalIds: readonly string[],
      limit: number,
    ): Promise<Array<TargetRow & { external_id: string }>> {
      const rows = await db
        .selectFrom('subscribers')
        .select(['id', 'site_id', 'timezone', 'external_id'])
        .where('workspace_id', '=', workspaceId)
        .where('external_id', 'in', nonEmpty(externalIds))
        .limit(limit)
        .execute();
      return rows as Array<TargetRow & { external_id: string }>;
    },

    async page(
      workspaceId: string,
      target: Target,
      afterId: string | null,
      limit: number,
      now: number,
    ): Promise<TargetRow[]> {
      let q = await query(workspaceId, target, now);
      if (afterId) q = q.where('subscribers.id', '>', afterId);
      // SQLite without statistics walks (workspace_id, id) to skip the sort, reading every
      // subscriber of the workspace for one user (~0.6 ms at 1,000); `+id` is SQLite's way
      // to take an ordering column out of index choice, so (workspace_id, external_id) finds
      // the few rows and they are sorted. PostgreSQL plans this from its statistics.
      const byId =
        dialect === 'sqlite' && target.externalIds && !target.subscriberIds
          ? sql`+subscribers.id`
          : sql.ref('subscribers.id');
      return q.orderBy(byId).limit(limit).execute();
    },
  };
}

/** `IN ()` is a syntax error; a list that matches nothing must still be valid SQL. */
function nonEmpty(values: readonly string[]): readonly string[] {
  return values.length > 0 ? values : [''];
}

export type Targeting = ReturnType<typeof createTargeting>;
