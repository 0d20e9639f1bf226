import { sql, type Kysely, type Selectable } from 'kysely';
import type { TriggerDefinition } from '../domain/trigger.ts';
import type { DialectName } from './database.ts';
import { newId } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import type { Database, RunStatus, TriggerRunTable, TriggerTable } from './schema.ts';
import { inTransaction } from './transaction.ts';
import { claimable } from './lease-claim.ts';
import { workspacesInTurn } from './workspace-turns.ts';

export interface Reentry {
  once?: boolean;
  afterDays?: number;
}

export interface Trigger {
  id: string;
  workspaceId: string;
  name: string;
  definition: TriggerDefinition;
  reentry: Reentry | null;
  active: boolean;
  stats: {
    fired: number;
    cancelled: number;
    /** Deliveries of its sends that made a push request. */
    sent: number;
    /** Deliveries of its sends that a cap skipped. */
    capped: number;
    completed: number;
    stopped: number;
  };
  createdAt: number;
  updatedAt: number;
}

export type TriggerStat = keyof Trigger['stats'];

/** What a batch of deliveries adds to one trigger's stats (see delivery/trigger-feedback.ts). */
export interface TriggerStatIncrement {
  triggerId: string;
  sent: number;
  capped: number;
}
export type TriggerRun = Selectable<TriggerRunTable>;

function toTrigger(row: Selectable<TriggerTable>): Trigger {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    definition: fromJson(row.definition, { on: { event: '' }, steps: [] }),
    reentry: fromJson(row.reentry, null),
    active: row.active === 1,
    stats: {
      fired: Number(row.fired),
      cancelled: Number(row.cancelled),
      sent: Number(row.sent),
      capped: Number(row.capped),
      completed: Number(row.completed),
      stopped: Number(row.stopped),
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Triggers and their runs; a run waiting on a timer is one indexed row (status, wake_at). */
export function createTriggerStore(db: Kysely<Database>, dialect: DialectName) {
  return {
    async create(
      input: {
        workspaceId: string;
        name: string;
        definition: TriggerDefinition;
        reentry: Reentry | null;
        active: boolean;
      },
      now: number,
    ): Promise<Trigger> {
      const id = newId('trg');
      await db
        .insertInto('triggers')
        .values({
          id,
          workspace_id: input.workspaceId,
          name: input.name,
          on_event: input.definition.on.event,
          definition: toJson(input.definition),
          reentry: input.reentry ? toJson(input.reentry) : null,
          active: input.active ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return (await this.get(input.workspaceId, id))!;
    },

    async get(workspaceId: string, id: string): Promise<Trigger | undefined> {
      const row = await db
        .selectFrom('triggers')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toTrigger(row);
    },

    async list(workspaceId: string): Promise<Trigger[]> {
      const rows = await db
        .selectFrom('triggers')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id')
        .execute();
      return rows.map(toTrigger);
    },

    async activeOn(workspaceId: string, events: readonly string[]): Promise<Trigger[]> {
      if (events.length === 0) return [];
      const rows = await db
        .selectFrom('triggers')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('on_event', 'in', events)
        .where('active', '=', 1)
        .execute();
      return rows.map(toTrigger);
    },

    async update(
      workspaceId: string,
      id: string,
      patch: {
        name?: string;
        definition?: TriggerDefinition;
        reentry?: Reentry | null;
        active?: boolean;
      },
      now: number,
    ): Promise<Trigger | undefined> {
      await db
        .updateTable('triggers')
        .set({
          updated_at: now,
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.definition !== undefined && {
            definition: toJson(patch.definition),
            on_event: patch.definition.on.event,
          }),
          ...(patch.reentry !== undefined && {
            reentry: patch.reentry ? toJson(patch.reentry) : null,
          }),
          ...(patch.active !== undefined && { active: patch.active ? 1 : 0 }),
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      return this.get(workspaceId, id);
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      await inTransaction(db, async (trx) => {
        await trx
          .updateTable('trigger_runs')
          .set({ status: 'stopped' })
          .where('trigger_id', '=', id)
          .where('status', '=', 'waiting')
          .execute();
        await trx
          .deleteFrom('triggers')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .execute();
      });
    },

    async bump(id: string, stat: TriggerStat, by = 1, trx: Kysely<Database> = db): Promise<void> {
      await trx
        .updateTable('triggers')
        .set({ [stat]: sql`${sql.ref(stat)} + ${by}` })
        .where('id', '=', id)
        .execute();
    },

    /** Adds delivery outcomes to trigger stats, in the caller's (the batch's) transaction. */
    async addStats(
      increments: readonly TriggerStatIncrement[],
      trx: Kysely<Database> = db,
    ): Promise<void> {
      for (const { triggerId, sent, capped } of increments) {
        await trx
          .updateTable('triggers')
          .set({ sent: sql`sent + ${sent}`, capped: sql`capped + ${capped}` })
          .where('id', '=', triggerId)
          .execute();
      }
    },

    async waitingCount(triggerId: string): Promise<number> {
      const row = await db
        .selectFrom('trigger_runs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('trigger_id', '=', triggerId)
        .where('status', '=', 'waiting')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** When this user (or subscriber) last started the trigger, for re-entry rules. */
    async lastStart(
      triggerId: string,
      who: { externalId: string | null; subscriberId: string | null },
    ): Promise<number | null> {
      let q = db
        .selectFrom('trigger_runs')
        .select((eb) => eb.fn.max('created_at').as('at'))
        .where('trigger_id', '=', triggerId);
      q = who.externalId
        ? q.where('external_id', '=', who.externalId)
        : q.where('external_id', 'is', null).where('subscriber_id', '=', who.subscriberId ?? '');
      const row = await q.executeTakeFirst();
      return row?.at == null ? null : Number(row.at);
    },

    async startRun(
      run: Omit<
        TriggerRun,
        | 'id'
        | 'status'
        | 'lease_until'
        | 'created_at'
        | 'updated_at'
        | 'step'
        | 'wake_at'
        | 'attempts'
        | 'last_error'
      >,
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<string> {
      const id = newId('run');
      await trx
        .insertInto('trigger_runs')
        .values({
          ...run,
          id,
          status: 'waiting',
          step: 0,
          wake_at: now,
          lease_until: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return id;
    },

    /**
     * Claims due runs with a lease (several workers never run the same step at once). Each
     * claim counts as an attempt until the run moves on, so a run that kills its worker
     * every time is still given up after a few claims.
     *
     * Fair between workspaces, like the express lane (lane-claims.ts): the batch fills up
     * across workspaces, starting at the one after `after` (the workspace of the caller's
     * last claim, in id order, wrapping around), each giving its oldest due runs until
     * `limit` are taken — so one tenant's burst of 20,000 due runs holds another's run back
     * by one batch, not by the burst. Runs come back a workspace after another, in that
     * order; the last run's workspace is where the next claim should start after. An idle
     * claim is one probe (`trigger_runs_due`); the next workspace with waiting runs is one
     * probe and its due runs one range (`trigger_runs_waiting_workspace`).
     *
     * @example
     * const runs = await triggers.claimDue(now, 30_000, 50, after);
     * after = runs.at(-1)?.workspace_id ?? null;
     */
    async claimDue(
      now: number,
      leaseMs: number,
      limit: number,
      after: string | null = null,
    ): Promise<TriggerRun[]> {
      const anyDue = await dueRuns(now).select('id').limit(1).executeTakeFirst();
      if (!anyDue) return [];
      const runs: TriggerRun[] = [];
      for await (const workspaceId of workspacesInTurn(after, nextWaitingWorkspace)) {
        runs.push(...(await leaseFrom(workspaceId, now, leaseMs, limit - runs.length)));
        if (runs.length >= limit) break;
      }
      return runs;
    },

    /**
     * Gives back runs claimed but not started (graceful shutdown): another worker claims them
     * at once, and the claim does not count as an attempt.
     */
    async releaseLeases(runIds: readonly string[], now: number): Promise<void> {
      if (runIds.length === 0) return;
      await db
        .updateTable('trigger_runs')
        .set({ lease_until: null, attempts: sql`attempts - 1`, updated_at: now })
        .where('id', 'in', runIds)
        .where('status', '=', 'waiting')
        .execute();
    },

    /** Moves a run on: to a later step and wake time, or to an end state. */
    async advance(
      runId: string,
      to: { step: number; status: RunStatus; wakeAt: number },
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<void> {
      await trx
        .updateTable('trigger_runs')
        .set({
          step: to.step,
          status: to.status,
          wake_at: to.wakeAt,
          lease_until: null,
          // Progress: the next failure starts a fresh count.
          attempts: 0,
          last_error: null,
          updated_at: now,
        })
        .where('id', '=', runId)
        .execute();
    },

    /**
     * Records a failed attempt on the run alone: it waits until `retryAt` to try again, or
     * ends `failed` (`retryAt` null). Its step and the other runs of the batch are untouched.
     */
    async recordFailure(
      runId: string,
      failure: { error: string; retryAt: number | null },
      now: number,
    ): Promise<void> {
      await db
        .updateTable('trigger_runs')
        .set({
          last_error: failure.error.slice(0, 1000),
          lease_until: null,
          updated_at: now,
          ...(failure.retryAt === null
            ? { status: 'failed' }
            : { status: 'waiting', wake_at: failure.retryAt }),
        })
        .where('id', '=', runId)
        .execute();
    },
  };

  /** Waiting runs whose timer is due and that no worker holds (or whose lease ran out). */
  function dueRuns(now: number) {
    return db
      .selectFrom('trigger_runs')
      .where('status', '=', 'waiting')
      .where('wake_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
  }

  /** Leases up to `limit` of a workspace's due runs, oldest timer first, in that order. */
  async function leaseFrom(
    workspaceId: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<TriggerRun[]> {
    const due = claimable(
      dueRuns(now)
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .orderBy('wake_at')
        .limit(limit),
      dialect,
    );
    const rows = await db
      .updateTable('trigger_runs')
      .set({ lease_until: now + leaseMs, attempts: sql`attempts + 1` })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    // RETURNING keeps no order: oldest timer first, as before.
    return rows.sort((a, b) => a.wake_at - b.wake_at || (a.id < b.id ? -1 : 1));
  }

  /** The first workspace after `after` with waiting runs, due or not: one index probe. */
  async function nextWaitingWorkspace(after: string | null): Promise<string | null> {
    const next = await db
      .selectFrom('trigger_runs')
      .select('workspace_id')
      .where('status', '=', 'waiting')
      .$if(after !== null, (q) => q.where('workspace_id', '>', after as string))
      // With `wake_at`, only `trigger_runs_waiting_workspace` gives this order.
      .orderBy('workspace_id')
      .orderBy('wake_at')
      .limit(1)
      .executeTakeFirst();
    return next?.workspace_id ?? null;
  }
}

export type TriggerStore = ReturnType<typeof createTriggerStore>;
