import { sql, type Kysely } from 'kysely';
import { enqueueEvents } from './outbox.ts';
import type { Database } from './schema.ts';

/**
 * Decides, once, that notifications have finished — their fan-out job ended (or they were
 * cancelled) and no delivery is queued — and writes `notification.finished` in the same
 * transaction as `finished_at`. A sweep rather than a check in each outcome batch: two workers
 * recording a notification's last two batches at once would each still see the other's row
 * queued (PostgreSQL, read committed) and neither would decide. The conditional UPDATE makes a
 * second sweeper (another process) a no-op. Returns how many it finished.
 *
 * @example await finishNotifications(store.db.kysely, Date.now(), 100);
 */
export async function finishNotifications(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<number> {
  const candidates = await db
    .selectFrom('notifications as n')
    .leftJoin('jobs as j', 'j.id', 'n.job_id')
    .select(['n.id', 'n.workspace_id', 'n.campaign_id', 'n.message_id', 'n.cancelled', 'j.status'])
    .where('n.finished_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('n.cancelled', '=', 1),
        eb('j.id', 'is', null),
        eb('j.status', 'in', ['succeeded', 'failed']),
      ]),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('deliveries as d')
            .select(sql`1`.as('one'))
            .whereRef('d.notification_id', '=', 'n.id')
            .where('d.status', '=', 'queued'),
        ),
      ),
    )
    .limit(limit)
    .execute();
  if (candidates.length === 0) return 0;
  // One transaction and three statements for the sweep, not a transaction and three
  // statements per notification: under a stream of one-user sends every sweep finds a few,
  // and each was a WAL write and round trips of its own (issue 14). Should the group fail,
  // each goes on its own, so one bad row holds back no other.
  try {
    return await db.transaction().execute((trx) => finishMany(trx, candidates, now));
  } catch {
    let finished = 0;
    for (const n of candidates) {
      finished += await db.transaction().execute((trx) => finishMany(trx, [n], now));
    }
    return finished;
  }
}

type Candidate = {
  id: string;
  workspace_id: string;
  campaign_id: string;
  message_id: string;
  cancelled: number;
  status: string | null;
};

/**
 * Marks notifications finished and queues their events; those another sweeper marked first
 * are skipped. Returns how many this one marked.
 */
async function finishMany(
  trx: Kysely<Database>,
  candidates: readonly Candidate[],
  now: number,
): Promise<number> {
  const marked = await trx
    .updateTable('notifications')
    .set({ finished_at: now })
    .where(
      'id',
      'in',
      candidates.map((n) => n.id),
    )
    .where('finished_at', 'is', null)
    .returning('id')
    .execute();
  if (marked.length === 0) return 0;
  const ids = new Set(marked.map((m) => m.id));
  const rows = await trx
    .selectFrom('deliveries')
    .select((eb) => ['notification_id', 'status', eb.fn.countAll<number>().as('n')])
    .where('notification_id', 'in', [...ids])
    .groupBy(['notification_id', 'status'])
    .execute();
  const countsOf = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const counts = countsOf.get(row.notification_id) ?? {};
    counts[row.status] = Number(row.n);
    countsOf.set(row.notification_id, counts);
  }
  await enqueueEvents(
    trx,
    candidates
      .filter((n) => ids.has(n.id))
      .map((n) => ({
        workspaceId: n.workspace_id,
        type: 'notification.finished' as const,
        subject: n.id,
        at: now,
        data: {
          notificationId: n.id,
          campaignId: n.campaign_id,
          messageId: n.message_id,
          status:
            Number(n.cancelled) === 1 ? 'cancelled' : n.status === 'failed' ? 'failed' : 'sent',
          counts: countsOf.get(n.id) ?? {},
        },
      })),
  );
  return marked.length;
}
