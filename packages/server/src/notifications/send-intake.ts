import type { Queued } from '../domain/lane.ts';
import { createGroupCommit } from '../ingestion/group-commit.ts';
import type { DeliveryRow } from '../storage/deliveries.ts';
import { newId } from '../storage/ids.ts';
import type { Store } from '../storage/store.ts';
import {
  createNotifications,
  type LeaseRoom,
  type NewNotification,
} from './create-notification.ts';

/**
 * This process's delivery worker taking a send's deliveries as they are written, leased to
 * it, so they go without a wake-up or a claim (delivery-worker.ts `reserveExpress`). Given
 * only while the workers run: an API-only process writes them unleased for the workers.
 */
export interface ExpressHandOff {
  /** How long a delivery written leased stays with this process. */
  leaseMs: number;
  /** Deliveries one express batch holds. */
  batchSize: number;
  /** Takes an express batch slot if one is free. */
  reserve(): boolean;
  /** Sends the leased rows once committed; none gives the slot back. */
  deliver(rows: DeliveryRow[]): void;
}

/** `POST /v1/notifications` after validation: what to store, and under which key. */
export interface SendRequest {
  workspaceId: string;
  notification: NewNotification & { id: string };
  idempotencyKey?: string | undefined;
  now: number;
}

/** The 202's body, and what an `Idempotency-Key` repeat answers. */
export interface Accepted {
  notificationId: string;
  jobId: string;
}

type Pending = SendRequest & { jobId: string };
/** `queued` is unset when a repeated key answered, or when nothing waits for a worker. */
type Written = { accepted: Accepted; queued?: Queued };

/** Sends a group commit holds at most: a group's transaction holds SQLite's one connection. */
const MAX_GROUP = 64;

/**
 * Sends go in group commits (ingestion/group-commit.ts): the notifications, deliveries and
 * jobs of all the requests that arrive while one group commits are written in the next
 * one transaction, and each request is answered 202 only once that has committed (never
 * accept-then-lose). On SQLite the commit, which writes every touched index page to the
 * WAL, was ~40 % of a one-user send's CPU; on PostgreSQL it is a round trip and a WAL flush.
 *
 * An `Idempotency-Key` is claimed before its send is written (`idempotency.claimFirst`): a
 * repeat, in this group or committed before, writes nothing and answers the first one's ids,
 * so it never rolls back the others. A request whose send fails fails alone: the group is
 * written again one request a transaction (group-commit.ts).
 *
 * With `handOff`, the deliveries of express sends due now (up to one express batch a group)
 * are leased to this process as they are written and sent once committed, like an express
 * fan-out's (delivery/fan-out.ts); only what still waits for a worker wakes one.
 *
 * @example
 * const sends = createSendIntake({ store, clock, wake });
 * const { notificationId } = await sends.send({ workspaceId, notification, now: clock() });
 */
export function createSendIntake(deps: {
  store: Store;
  clock: () => number;
  wake: (queued: Queued) => void;
  handOff?: ExpressHandOff | undefined;
}) {
  const submit = createGroupCommit<Pending, Written>(writeGroup, { maxGroup: MAX_GROUP });

  async function writeGroup(group: Pending[]): Promise<Written[]> {
    const { handOff } = deps;
    const lease: LeaseRoom | undefined =
      handOff && group.some(mayFanOutNow) && handOff.reserve()
        ? { leaseUntil: deps.clock() + handOff.leaseMs, room: handOff.batchSize }
        : undefined;
    let leased: DeliveryRow[] = [];
    try {
      const written = await deps.store.transaction((tx) => writeIn(tx, group, lease));
      // Committed: only now may they go (a rollback sends nothing and gives the slot back).
      leased = written.leased;
      return written.answers;
    } finally {
      if (lease) handOff?.deliver(leased);
    }
  }

  async function writeIn(tx: Store, group: Pending[], lease: LeaseRoom | undefined) {
    const answers: Written[] = [];
    const fresh: Array<{ request: Pending; at: number }> = [];
    for (const [at, request] of group.entries()) {
      const { workspaceId, idempotencyKey, now } = request;
      const accepted: Accepted = { notificationId: request.notification.id, jobId: request.jobId };
      answers.push({ accepted });
      if (idempotencyKey) {
        const first = await tx.idempotency.claimFirst(workspaceId, idempotencyKey, accepted, now);
        // A repeat writes nothing and answers the first request's ids.
        if (first !== accepted) {
          answers[at] = { accepted: first };
          continue;
        }
      }
      fresh.push({ request, at });
    }
    const created = await createNotifications(
      tx,
      fresh.map(({ request }) => ({
        input: { ...request.notification, jobId: request.jobId },
        now: request.now,
      })),
      lease,
    );
    created.forEach((made, i) => {
      if (made.fannedOut && made.unleased === 0) return;
      answers[fresh[i]!.at]!.queued = { lane: made.lane, fannedOut: made.fannedOut };
    });
    return { answers, leased: created.flatMap((made) => made.leased) };
  }

  return {
    /** Stores a send in the next group commit; resolves once it is committed. */
    async send(request: SendRequest): Promise<Accepted> {
      const pending = { ...request, jobId: newId('job') };
      // Only sends fanned out here are grouped: a broadcast or scheduled send is one job
      // either way. Committed together, several broadcasts' fan-outs start together, and
      // test/capping.test.ts (two worker processes) then timed out; cause not found yet.
      const [{ accepted, queued }] = mayFanOutNow(pending)
        ? [await submit(pending)]
        : ((await writeGroup([pending])) as [Written]);
      if (queued) deps.wake(queued);
      return accepted;
    },
  };
}

/** A send that may be fanned out in its own transaction (create-notification.ts). */
function mayFanOutNow({ notification, now }: Pending): boolean {
  const { target } = notification;
  return notification.sendAt <= now && !!(target.externalIds ?? target.subscriberIds);
}

export type SendIntake = ReturnType<typeof createSendIntake>;
