import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { NotificationStatus } from '../domain/notification-status.ts';
import type { Database, NotificationTable } from './schema.ts';
import { cursorPage, type Page, type PageRequest } from './cursor-page.ts';

export interface NotificationFilter {
  status?: NotificationStatus | undefined;
  campaignId?: string | undefined;
}

/**
 * A workspace's notification rows, newest first (`created_at`, then id), a page at a time. The
 * cursor is the last row's `<created_at>.<id>`; one that does not parse is a caller's error.
 * The status filter is `notificationStatus` (domain/notification-status.ts) written in SQL
 * over the fan-out job and the queued deliveries.
 *
 * @example await listNotifications(db, 'ws_1', { status: 'sending' }, { limit: 50 }, now)
 */
export async function listNotifications(
  db: Kysely<Database>,
  workspaceId: string,
  filter: NotificationFilter,
  page: PageRequest,
  now: number,
): Promise<Page<Selectable<NotificationTable>>> {
  let query = db
    .selectFrom('notifications as n')
    .leftJoin('jobs as j', (join) =>
      join.onRef('j.id', '=', 'n.job_id').onRef('j.workspace_id', '=', 'n.workspace_id'),
    )
    .selectAll('n')
    .where('n.workspace_id', '=', workspaceId)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc');
  if (filter.campaignId) query = query.where('n.campaign_id', '=', filter.campaignId);
  if (page.cursor) {
    const after = parseCursor(page.cursor);
    if (!after) throw new RangeError('bad cursor');
    query = query.where((eb) =>
      eb.or([
        eb('n.created_at', '<', after.createdAt),
        eb.and([eb('n.created_at', '=', after.createdAt), eb('n.id', '<', after.id)]),
      ]),
    );
  }
  if (filter.status) query = query.where(statusIs(filter.status, now));
  return cursorPage(query, page, {
    cursorOf: (row) => `${row.created_at}.${row.id}`,
    map: (rows) => rows,
  });
}

/** `<created_at>.<id>` as `listNotifications` hands it out; undefined when it is not one. */
export function parseCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const match = /^(\d{1,16})\.([A-Za-z0-9_]{1,64})$/.exec(cursor);
  if (!match) return undefined;
  return { createdAt: Number(match[1]), id: match[2] as string };
}

function statusIs(status: NotificationStatus, now: number): Expression<SqlBool> {
  const queued = sql<SqlBool>`EXISTS (SELECT 1 FROM deliveries d
    WHERE d.notification_id = n.id AND d.status = 'queued')`;
  // COALESCE: with no job (pruned) this is false, not NULL, so `NOT` below keeps the row.
  const scheduled = sql<SqlBool>`(COALESCE(j.status, '') = 'queued' AND n.send_at > ${now})`;
  const live = sql<SqlBool>`n.cancelled = 0`;
  const notFailed = sql<SqlBool>`(j.status IS NULL OR j.status <> 'failed')`;
  switch (status) {
    case 'cancelled':
      return sql<SqlBool>`n.cancelled = 1`;
    case 'failed':
      return sql<SqlBool>`${live} AND j.status = 'failed'`;
    case 'scheduled':
      return sql<SqlBool>`${live} AND ${scheduled}`;
    case 'sending':
      return sql<SqlBool>`${live} AND ${notFailed} AND NOT ${scheduled}
        AND ((j.status IS NOT NULL AND j.status <> 'succeeded') OR ${queued})`;
    case 'sent':
      return sql<SqlBool>`${live} AND (j.status IS NULL OR j.status = 'succeeded') AND NOT ${queued}`;
  }
}
