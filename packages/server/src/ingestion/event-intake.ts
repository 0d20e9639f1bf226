import type { NewEvent } from '../storage/events.ts';
import type { Store } from '../storage/store.ts';
import { startRuns } from '../triggers/start-runs.ts';
import { createGroupCommit } from './group-commit.ts';

/**
 * Events that only need storing (track, page, screen: no identify, alias or group, no
 * subscriber to look up), so the events of a whole group of requests go in one insert.
 */
export interface PlainEvents {
  workspaceId: string;
  events: readonly Omit<NewEvent, 'receivedAt'>[];
  /** Users to create if missing (the private endpoints: events before the first identify). */
  users: readonly string[];
  /** The Segment-style calls to count (received, dropped); the pixel counts none. */
  calls?: { received: number; dropped: number };
}

export interface PlainResult {
  recorded: number;
  duplicates: number;
  fresh: NewEvent[];
}

type Job =
  | { kind: 'plain'; now: number; input: PlainEvents; unique: NewEvent[] }
  | {
      kind: 'custom';
      now: number;
      workspaceId: string;
      work: (tx: Store, now: number) => Promise<{ fresh: readonly NewEvent[] }>;
    };
interface Done {
  result: { fresh: readonly NewEvent[] } | PlainResult;
  runsStarted: number;
}

/**
 * The one way events enter Beckon (the pixel, the Segment-style API). Each request's events
 * and the trigger runs they start are written in the next group commit (see
 * group-commit.ts): stored together or not at all, so a crash or a database error between
 * them cannot keep the event and lose the run, and the client's retry (de-duplicated by
 * `messageId`) starts them exactly once. The answer waits for the commit.
 *
 * `recordPlain` takes events as data: a group's plain events cost one insert, one user
 * upsert and one counter update however many requests sent them. `record` runs any
 * recording (identify, alias…) as a function of the transaction.
 *
 * The receive time (`now`, taken when the request arrives) is each event's `received_at`
 * and the start of its runs. `committed` hears of each request once it is durable.
 *
 * @example
 * const intake = createEventIntake({ store, clock: Date.now });
 * await intake.recordPlain({ workspaceId, events, users: ['u-1'] });
 */
export function createEventIntake(deps: {
  store: Store;
  clock: () => number;
  committed?: (workspaceId: string, fresh: readonly NewEvent[], runsStarted: number) => void;
}) {
  const submit = createGroupCommit<Job, Done>(deps.store, writeGroup);

  return {
    async recordPlain(input: PlainEvents): Promise<PlainResult> {
      const now = deps.clock();
      // Repeats within the request go now; the insert skips repeats of stored events.
      const ids = new Set<string>();
      const unique = input.events.flatMap((e) => {
        if (e.messageId && ids.has(e.messageId)) return [];
        if (e.messageId) ids.add(e.messageId);
        return [{ ...e, receivedAt: now }];
      });
      const { result, runsStarted } = await submit({ kind: 'plain', now, input, unique });
      deps.committed?.(input.workspaceId, result.fresh, runsStarted);
      return result as PlainResult;
    },

    async record<T extends { fresh: readonly NewEvent[] }>(
      workspaceId: string,
      work: (tx: Store, now: number) => Promise<T>,
    ): Promise<T> {
      const now = deps.clock();
      const { result, runsStarted } = await submit({ kind: 'custom', now, workspaceId, work });
      deps.committed?.(workspaceId, result.fresh, runsStarted);
      return result as T;
    },
  };
}

async function writeGroup(tx: Store, jobs: Job[]): Promise<Done[]> {
  const done: Done[] = [];
  const plain: Array<{ job: Job & { kind: 'plain' }; at: number }> = [];
  for (const [at, job] of jobs.entries()) {
    if (job.kind === 'plain') {
      plain.push({ job, at });
      continue;
    }
    const result = await job.work(tx, job.now);
    done[at] = { result, runsStarted: await startRuns(tx, job.workspaceId, result.fresh, job.now) };
  }
  if (plain.length === 0) return done;

  const now = plain[0]!.job.now;
  const byWorkspace = new Map<string, Array<{ job: Job & { kind: 'plain' }; at: number }>>();
  for (const p of plain) {
    const list = byWorkspace.get(p.job.input.workspaceId);
    if (list) list.push(p);
    else byWorkspace.set(p.job.input.workspaceId, [p]);
  }
  for (const [workspaceId, list] of byWorkspace) {
    const users = list.flatMap((p) => p.job.input.users);
    if (users.length > 0) await tx.users.ensure(workspaceId, users, now);
  }
  const stored = new Set(
    await tx.events.insert(
      plain.flatMap((p) => p.job.unique),
      now,
    ),
  );
  for (const [workspaceId, list] of byWorkspace) {
    const counts = { received: 0, dropped: 0, duplicates: 0 };
    const fresh: NewEvent[] = [];
    for (const { job, at } of list) {
      const mine = job.unique.filter((e) => stored.has(e));
      fresh.push(...mine);
      const duplicates = job.input.events.length - mine.length;
      done[at] = { result: { recorded: mine.length, duplicates, fresh: mine }, runsStarted: 0 };
      if (job.input.calls) {
        counts.received += job.input.calls.received;
        counts.dropped += job.input.calls.dropped;
        counts.duplicates += duplicates;
      }
    }
    await tx.events.countIngestion(workspaceId, counts);
    const runsStarted = await startRuns(tx, workspaceId, fresh, now);
    // Who started what does not matter to the wake-up: the first request carries the count.
    done[list[0]!.at]!.runsStarted = runsStarted;
  }
  return done;
}

export type EventIntake = ReturnType<typeof createEventIntake>;
