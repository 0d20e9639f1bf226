import { sql, type Kysely } from 'kysely';
import type { Lane } from '../domain/lane.ts';
import type { DialectName } from './database.ts';
import type { DeliveryRow } from './delivery-types.ts';
import { claimable } from './lease-claim.ts';
import type { Database } from './schema.ts';
import { WORKSPACE_PROBES, workspacesInTurn } from './workspace-turns.ts';

/**
 * Claims of the two delivery lanes, both fair between workspaces. A worker keeps the
 * workspace it claimed last and passes it back, so the next claim starts at the workspace
 * after it (in id order, wrapping around): one tenant's backlog — a million-row broadcast,
 * or twenty thousand queued trigger sends — never holds another tenant's rows back by more
 * than a batch. The next workspace is found by one index probe on
 * `deliveries_queued_workspace (lane, workspace_id, next_attempt_at) WHERE status =
 * 'queued'` per workspace with queued rows in the lane, never a scan of the backlog; an idle claim is one
 * probe. On PostgreSQL each lease is `FOR UPDATE SKIP LOCKED`, so several `beckon worker`
 * processes, each with its own turn, take different rows of the same workspace.
 *
 * @example
 * let after: string | null = null;
 * const { rows, workspaceId } = await claims.express(now, 30_000, 100, after);
 * after = workspaceId;
 */
export function createLaneClaims(db: Kysely<Database>, dialect: DialectName) {
  return {
    /**
     * Express batches (small, trigger and evergreen sends) fill up across workspaces: the
     * workspace after `after` gives what it has due, then the next, until the batch is full
     * or every workspace had its turn. Rows are few per workspace here, so a batch of one
     * workspace each would leave most of a batch slot empty; a flood in one workspace still
     * only takes what the others leave. Returns the last workspace that gave rows.
     */
    async express(
      now: number,
      leaseMs: number,
      limit: number,
      after: string | null,
    ): Promise<{ rows: DeliveryRow[]; workspaceId: string | null }> {
      const rows: DeliveryRow[] = [];
      let last: string | null = null;
      // Ends back at the workspace it started after, with no probe past it (that saved a
      // round trip on a single-user send's claim).
      const turns = workspacesInTurn(after, (cursor) => nextQueuedWorkspace('express', cursor));
      for await (const workspaceId of turns) {
        const taken = await leaseFrom('express', workspaceId, now, leaseMs, limit - rows.length);
        if (taken.length > 0) {
          rows.push(...taken);
          last = workspaceId;
        }
        if (rows.length >= limit) break;
      }
      return { rows, workspaceId: last };
    },

    /**
     * A batch of one workspace's due bulk deliveries: the first workspace after `after` that
     * has some. Workspaces take turns batch by batch — one tenant's million-row broadcast and
     * another's thousand go out side by side.
     */
    async bulk(
      now: number,
      leaseMs: number,
      limit: number,
      after: string | null,
    ): Promise<{ rows: DeliveryRow[]; workspaceId: string | null }> {
      const first = await nextDueWorkspace('bulk', now, after);
      const workspaceId =
        first ?? (after === null ? null : await nextDueWorkspace('bulk', now, null));
      if (workspaceId === null) return { rows: [], workspaceId: null };
      const rows = await leaseFrom('bulk', workspaceId, now, leaseMs, limit);
      return { rows, workspaceId };
    },
  };

  function dueQuery(now: number, lane: Lane) {
    return db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', 'queued')
      .where('lane', '=', lane)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
  }

  /** Leases up to `limit` of a workspace's due rows in `lane`, oldest first. */
  function leaseFrom(
    lane: Lane,
    workspaceId: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<DeliveryRow[]> {
    const due = dueQuery(now, lane)
      .where('workspace_id', '=', workspaceId)
      .orderBy('next_attempt_at')
      .limit(limit);
    return db
      .updateTable('deliveries')
      .set({ lease_until: now + leaseMs, attempts: sql`attempts + 1` })
      .where('id', 'in', claimable(due, dialect))
      .returningAll()
      .execute();
  }

  /**
   * The first workspace after `after` with queued rows in `lane`: one index probe. Ordered
   * by `next_attempt_at` too, which only `deliveries_queued_workspace` gives: by
   * `workspace_id` alone PostgreSQL took `deliveries_workspace_finished` when most rows were
   * queued and walked every finished row of the next workspaces (134 ms past 50,000).
   */
  async function nextQueuedWorkspace(lane: Lane, after: string | null): Promise<string | null> {
    const next = await db
      .selectFrom('deliveries')
      .select('workspace_id')
      .where('status', '=', 'queued')
      .where('lane', '=', lane)
      .$if(after !== null, (q) => q.where('workspace_id', '>', after as string))
      .orderBy('workspace_id')
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    return next?.workspace_id ?? null;
  }

  /**
   * The first workspace after `after` with a due, unleased row in `lane`: per workspace, a
   * probe for the next one with queued rows, then one for whether any is due. Bounded: after
   * {@link WORKSPACE_PROBES} workspaces with nothing due, none.
   */
  async function nextDueWorkspace(
    lane: Lane,
    now: number,
    after: string | null,
  ): Promise<string | null> {
    let cursor = after;
    for (let probes = 0; probes < WORKSPACE_PROBES; probes++) {
      const next = await nextQueuedWorkspace(lane, cursor);
      if (next === null) return null;
      const due = await dueQuery(now, lane)
        .where('workspace_id', '=', next)
        .limit(1)
        .executeTakeFirst();
      if (due) return next;
      cursor = next;
    }
    return null;
  }
}

export type LaneClaims = ReturnType<typeof createLaneClaims>;
