import { sql, type Kysely, type Selectable } from 'kysely';
import type { Lane } from '../domain/lane.ts';
import type { DialectName } from './database.ts';
import { newId } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import type { Database, JobStatus, JobTable } from './schema.ts';
import { claimable } from './lease-claim.ts';
import { workspacesInTurn } from './workspace-turns.ts';

export interface Job<P = unknown> {
  id: string;
  workspaceId: string;
  kind: string;
  status: JobStatus;
  payload: P;
  progress: { done: number; total: number };
  result: unknown;
  error: string | null;
  runAt: number;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  lane: Lane;
}

/** A job to queue (`jobs.enqueue`). */
export interface NewJob {
  workspaceId: string;
  kind: string;
  payload: unknown;
  runAt: number;
  id?: string;
  /** `express`: claimed by its own loop, never behind a broadcast's fan-out. */
  lane?: Lane;
  /**
   * The work was done in the transaction that records the job (a one-user send's
   * fan-out): stored `succeeded` with its progress and result, never claimed.
   */
  done?: { progress: number; result: unknown };
}

function toJob(row: Selectable<JobTable>): Job {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    kind: row.kind,
    status: row.status,
    payload: fromJson(row.payload, {}),
    progress: { done: Number(row.progress_done), total: Number(row.progress_total) },
    result: fromJson(row.result, undefined),
    error: row.error,
    runAt: row.run_at,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lane: row.lane,
  };
}

/**
 * The durable job queue. A job is claimed with a lease; a worker that dies leaves the lease
 * to run out and another worker takes the job over from the progress it saved
 * (the pg-boss / graphile-worker pattern: on PostgreSQL `FOR UPDATE SKIP LOCKED`, on SQLite
 * one UPDATE … RETURNING statement, which SQLite runs under its single write lock).
 */
export function createJobStore(db: Kysely<Database>, dialect: DialectName) {
  const jobs = {
    async enqueue(job: NewJob, now: number, trx: Kysely<Database> = db): Promise<string> {
      const [id] = await jobs.enqueueMany([job], now, trx);
      return id!;
    },

    /** Several in one statement (a group commit of sends); their ids, in order. */
    async enqueueMany(
      list: readonly NewJob[],
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<string[]> {
      const ids = list.map((job) => job.id ?? newId('job'));
      if (list.length === 0) return ids;
      await trx
        .insertInto('jobs')
        .values(
          list.map((job, i) => ({
            id: ids[i]!,
            workspace_id: job.workspaceId,
            kind: job.kind,
            status: job.done ? ('succeeded' as const) : ('queued' as const),
            payload: toJson(job.payload),
            progress_done: job.done?.progress ?? 0,
            progress_total: job.done?.progress ?? 0,
            result: job.done ? toJson(job.done.result) : null,
            error: null,
            run_at: job.runAt,
            lease_until: null,
            created_at: now,
            updated_at: now,
            lane: job.lane ?? 'bulk',
          })),
        )
        .execute();
      return ids;
    },

    /**
     * Claims one due job of `lane` (any lane when omitted, express first). Both lanes are
     * shared between workspaces. Express jobs go round-robin: the first workspace after
     * `after` (the workspace of this loop's last express job, in id order, wrapping around)
     * that has a due one gives its oldest, so one tenant's flood of trigger or single-user
     * sends holds another's back by one job, not by the whole backlog; the next workspace is
     * one index probe (`jobs_lane_workspace_due`). Bulk jobs go to the workspace running the
     * fewest jobs right now, then oldest first: with several job loops (and processes) one
     * tenant's import or million-subscriber fan-out does not hold the others' work.
     */
    async claim(
      now: number,
      leaseMs: number,
      lane?: Lane,
      after: string | null = null,
      /**
       * Express: look first for a job whose worker died (`running`, lease run out), which no
       * workspace probe sees. A loop asks about once a second, not on every claim: leases
       * last far longer, and it saves a round trip on the single-user send's path.
       */
      orphans = true,
    ): Promise<Job | undefined> {
      if (lane !== 'express') return claimOldest(now, leaseMs, lane, {});
      if (orphans) {
        const orphan = await claimOldest(now, leaseMs, 'express', { leaseRanOut: true });
        if (orphan) return orphan;
      }
      const turns = workspacesInTurn(after, (cursor) => nextQueuedWorkspace('express', cursor));
      for await (const workspaceId of turns) {
        const job = await claimOldest(now, leaseMs, 'express', { workspaceId });
        if (job) return job;
      }
      return undefined;
    },

    /** Saves progress (and the payload's cursor) and extends the lease in one write. */
    async checkpoint(
      id: string,
      /** `result`: a running tally, shown while the job runs and read back on a takeover. */
      update: {
        done: number;
        total?: number;
        payload?: unknown;
        result?: unknown;
        leaseUntil: number;
      },
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<void> {
      await trx
        .updateTable('jobs')
        .set({
          progress_done: update.done,
          ...(update.total !== undefined && { progress_total: update.total }),
          ...(update.payload !== undefined && { payload: toJson(update.payload) }),
          ...(update.result !== undefined && { result: toJson(update.result) }),
          lease_until: update.leaseUntil,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
    },

    async finish(
      id: string,
      outcome: { status: 'succeeded'; result?: unknown } | { status: 'failed'; error: string },
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<void> {
      await trx
        .updateTable('jobs')
        .set({
          status: outcome.status,
          result: outcome.status === 'succeeded' ? toJson(outcome.result ?? null) : null,
          error: outcome.status === 'failed' ? outcome.error : null,
          lease_until: null,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
    },

    /** Gives a claimed job back to the queue to run again at `runAt`, with its last error. */
    async release(id: string, runAt: number, now: number, error?: string): Promise<void> {
      await db
        .updateTable('jobs')
        .set({
          status: 'queued',
          run_at: runAt,
          lease_until: null,
          updated_at: now,
          ...(error !== undefined && { error: error.slice(0, 1000) }),
        })
        .where('id', '=', id)
        .execute();
    },

    /** Several of a workspace's jobs by id (a page of notifications' fan-out jobs). */
    async getMany(workspaceId: string, ids: readonly string[]): Promise<Map<string, Job>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', ids)
        .execute();
      return new Map(rows.map((row) => [row.id, toJob(row)]));
    },

    /**
     * Gives back a job this worker holds but stops running (graceful shutdown): queued again
     * at once, and the claim does not count as an attempt. Its checkpoint stays, so the next
     * worker resumes where this one stopped instead of waiting for the lease to run out.
     */
    async releaseLease(id: string, now: number): Promise<void> {
      await db
        .updateTable('jobs')
        .set({
          status: 'queued',
          lease_until: null,
          attempts: sql`attempts - 1`,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute();
    },

    async get(workspaceId: string, id: string): Promise<Job | undefined> {
      const row = await db
        .selectFrom('jobs')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toJob(row);
    },
  };
  return jobs;

  /** The first workspace after `after` with queued jobs in `lane`: one index probe. */
  async function nextQueuedWorkspace(lane: Lane, after: string | null): Promise<string | null> {
    const next = await db
      .selectFrom('jobs')
      .select('workspace_id')
      .where('status', '=', 'queued')
      .where('lane', '=', lane)
      .$if(after !== null, (q) => q.where('workspace_id', '>', after as string))
      // With `run_at`, only `jobs_lane_workspace_due` gives this order (see lane-claims.ts).
      .orderBy('workspace_id')
      .orderBy('run_at')
      .limit(1)
      .executeTakeFirst();
    return next?.workspace_id ?? null;
  }

  /**
   * Claims the oldest due job of `lane` (any lane, express first, when omitted) — only a
   * queued one of one workspace (in `jobs_lane_workspace_due` order), or only one whose
   * lease ran out, when asked.
   */
  async function claimOldest(
    now: number,
    leaseMs: number,
    lane: Lane | undefined,
    only: { workspaceId?: string; leaseRanOut?: boolean },
  ): Promise<Job | undefined> {
    let due = db
      .selectFrom('jobs as j')
      .select('j.id')
      .where('j.run_at', '<=', now)
      .where((eb) =>
        only.leaseRanOut
          ? eb.and([eb('j.status', '=', 'running'), eb('j.lease_until', '<', now)])
          : only.workspaceId !== undefined
            ? eb('j.status', '=', 'queued')
            : eb.or([
                eb('j.status', '=', 'queued'),
                eb.and([eb('j.status', '=', 'running'), eb('j.lease_until', '<', now)]),
              ]),
      )
      .$if(only.workspaceId !== undefined, (q) =>
        q.where('j.workspace_id', '=', only.workspaceId as string),
      )
      .$if(lane !== undefined, (q) => q.where('j.lane', '=', lane as Lane))
      .$if(lane === undefined, (q) =>
        q.orderBy(sql`case when j.lane = 'express' then 0 else 1 end`),
      )
      .$if(lane === 'bulk', (q) =>
        q.orderBy((eb) =>
          eb
            .selectFrom('jobs as r')
            .select((c) => c.fn.countAll().as('n'))
            .where('r.status', '=', 'running')
            .where('r.lease_until', '>=', now)
            .whereRef('r.workspace_id', '=', 'j.workspace_id'),
        ),
      )
      .orderBy('j.run_at')
      .limit(1);
    due = claimable(due, dialect);
    const row = await db
      .updateTable('jobs')
      .set({
        status: 'running',
        lease_until: now + leaseMs,
        attempts: sql`attempts + 1`,
        updated_at: now,
      })
      .where('id', '=', (eb) => eb.selectFrom(due.as('due')).select('due.id'))
      .returningAll()
      .executeTakeFirst();
    return row && toJob(row);
  }
}

export type JobStore = ReturnType<typeof createJobStore>;
