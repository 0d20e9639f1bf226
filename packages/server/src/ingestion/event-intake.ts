import type { NewEvent } from '../storage/events.ts';
import type { PlainWrite } from '../storage/plain-events.ts';
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
  const submit = createGroupCommit<Job, Done>((jobs) => writeGroup(deps.store, jobs));

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

/**
 * Writes a group. Plain events alone go first without a transaction and only if no trigger
 * listens to them (one statement on PostgreSQL: see storage/plain-events.ts); a group with
 * custom work, or whose events start runs, goes in one transaction with its runs.
 */
async function writeGroup(store: Store, jobs: Job[]): Promise<Done[]> {
  const plain: Array<{ job: PlainJob; at: number }> = [];
  jobs.forEach((job, at) => job.kind === 'plain' && plain.push({ job, at }));
  if (plain.length === jobs.length) {
    const write = plainWrite(plain);
    const stored = await store.events.storePlain(write, write.now, { unlessTriggers: true });
    if (stored) return plainDone(plain, new Set(stored), jobs.length);
  }
  return store.transaction((tx) => writeGroupIn(tx, jobs, plain));
}

type PlainJob = Job & { kind: 'plain' };

async function writeGroupIn(
  tx: Store,
  jobs: Job[],
  plain: Array<{ job: PlainJob; at: number }>,
): Promise<Done[]> {
  const done: Done[] = [];
  for (const [at, job] of jobs.entries()) {
    if (job.kind === 'plain') continue;
    const result = await job.work(tx, job.now);
    done[at] = { result, runsStarted: await startRuns(tx, job.workspaceId, result.fresh, job.now) };
  }
  if (plain.length === 0) return done;
  const write = plainWrite(plain);
  const stored = new Set(
    (await tx.events.storePlain(write, write.now, { unlessTriggers: false })) ?? [],
  );
  const plainDoneList = plainDone(plain, stored, jobs.length);
  const fresh = new Map<string, NewEvent[]>();
  for (const { job, at } of plain) {
    done[at] = plainDoneList[at]!;
    const list = fresh.get(job.input.workspaceId);
    if (list) list.push(...(done[at].result as PlainResult).fresh);
    else fresh.set(job.input.workspaceId, [...(done[at].result as PlainResult).fresh]);
  }
  for (const [workspaceId, events] of fresh) {
    const runsStarted = await startRuns(tx, workspaceId, events, write.now);
    // Who started what does not matter to the wake-up: the first request carries the count.
    const first = plain.find((p) => p.job.input.workspaceId === workspaceId)!;
    done[first.at]!.runsStarted = runsStarted;
  }
  return done;
}

/** The group's plain events as one write: its events, users and Segment call counts. */
function plainWrite(plain: Array<{ job: PlainJob }>): PlainWrite & { now: number } {
  const events: NewEvent[] = [];
  const counted: boolean[] = [];
  const users: PlainWrite['users'][number][] = [];
  const calls = new Map<string, PlainWrite['calls'][number]>();
  for (const { job } of plain) {
    const { workspaceId } = job.input;
    for (const e of job.unique) {
      events.push(e);
      counted.push(!!job.input.calls);
    }
    for (const externalId of job.input.users) users.push({ workspaceId, externalId });
    if (!job.input.calls) continue;
    const c = calls.get(workspaceId) ?? { workspaceId, received: 0, dropped: 0, events: 0 };
    c.received += job.input.calls.received;
    c.dropped += job.input.calls.dropped;
    c.events += job.input.events.length;
    calls.set(workspaceId, c);
  }
  return { events, counted, users, calls: [...calls.values()], now: plain[0]!.job.now };
}

/** Each plain request's answer: its events that were stored, the rest duplicates. */
function plainDone(
  plain: Array<{ job: PlainJob; at: number }>,
  stored: ReadonlySet<NewEvent>,
  size: number,
): Done[] {
  const done = new Array<Done>(size);
  for (const { job, at } of plain) {
    const mine = job.unique.filter((e) => stored.has(e));
    const duplicates = job.input.events.length - mine.length;
    done[at] = { result: { recorded: mine.length, duplicates, fresh: mine }, runsStarted: 0 };
  }
  return done;
}

export type EventIntake = ReturnType<typeof createEventIntake>;
