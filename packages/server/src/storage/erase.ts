import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { ERASED, scrubJsonColumn } from './scrub-json.ts';
import { countEndings } from './subscriber-stats.ts';

/**
 * GDPR erasure of one user in one workspace (API.md "Limits and retention": no row anywhere
 * names the user or holds its traits or event properties). Deleted: the user, every
 * subscriber it has on any site, their categories, events (also those recorded under their
 * anonymous ids), trigger runs (they copy event properties), queued deliveries, push log,
 * audience memberships and evergreen marks. Kept, with the ids replaced by "[erased]":
 * finished deliveries (and their receipts), the notifications that targeted the user and
 * jobs whose payload named it (members imports), so counts and history stay. Campaign counters stay: they hold no personal data. Every
 * statement names the workspace, so another workspace's user of the same name is untouched.
 * Returns false when there was nothing to erase.
 *
 * @example if (!(await eraseUser(db, workspace.id, 'user-42', Date.now()))) throw notFound('User');
 */
export async function eraseUser(
  db: Kysely<Database>,
  workspaceId: string,
  externalId: string,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const subscribers = await trx
      .selectFrom('subscribers')
      .select(['id', 'anonymous_id'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', externalId)
      .execute();
    const user = await trx
      .selectFrom('users')
      .select('external_id')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    if (!user && subscribers.length === 0) return false;

    const ids = subscribers.map((s) => s.id);
    // Anonymous ids the user's browsers or events ever carried: their events are the user's.
    const eventAnonymous = await trx
      .selectFrom('events')
      .select('anonymous_id')
      .distinct()
      .where('workspace_id', '=', workspaceId)
      .where('anonymous_id', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('external_id', '=', externalId),
          ...(ids.length > 0 ? [eb('subscriber_id', 'in', ids)] : []),
        ]),
      )
      .execute();
    const anonymousIds = [
      ...new Set(
        [...subscribers, ...eventAnonymous].flatMap((s) =>
          s.anonymous_id ? [s.anonymous_id] : [],
        ),
      ),
    ];
    await trx
      .deleteFrom('events')
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([
          eb('external_id', '=', externalId),
          ...(ids.length > 0 ? [eb('subscriber_id', 'in', ids)] : []),
          ...(anonymousIds.length > 0 ? [eb('anonymous_id', 'in', anonymousIds)] : []),
        ]),
      )
      .execute();
    await trx
      .deleteFrom('trigger_runs')
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([
          eb('external_id', '=', externalId),
          ...(ids.length > 0 ? [eb('subscriber_id', 'in', ids)] : []),
        ]),
      )
      .execute();
    await trx
      .deleteFrom('audience_members')
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([
          eb.and([eb('member_type', '=', 'user'), eb('member_id', '=', externalId)]),
          ...(ids.length > 0
            ? [eb.and([eb('member_type', '=', 'subscriber'), eb('member_id', 'in', ids)])]
            : []),
        ]),
      )
      .execute();
    await trx
      .deleteFrom('evergreen_sends')
      .where('workspace_id', '=', workspaceId)
      .where('member_key', 'in', [`user:${externalId}`, ...ids.map((id) => `subscriber:${id}`)])
      .execute();
    if (ids.length > 0) {
      // Nothing more goes to an erased browser; finished deliveries stay, without the
      // subscriber, so a notification's counts and a campaign's history do not change.
      const queued = trx
        .selectFrom('deliveries')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('subscriber_id', 'in', ids)
        .where('status', '=', 'queued');
      await trx.deleteFrom('receipts').where('delivery_id', 'in', queued).execute();
      await trx
        .deleteFrom('deliveries')
        .where('workspace_id', '=', workspaceId)
        .where('subscriber_id', 'in', ids)
        .where('status', '=', 'queued')
        .execute();
      await trx
        .updateTable('deliveries')
        // Unique per notification and subscriber: each keeps a distinct, meaningless id.
        .set({ subscriber_id: sql<string>`${ERASED} || ':' || id`, lease_until: null })
        .where('workspace_id', '=', workspaceId)
        .where('subscriber_id', 'in', ids)
        .execute();
      // Subscriber ids are global and were just read from this workspace.
      await trx.deleteFrom('push_log').where('subscriber_id', 'in', ids).execute();
      await countEndings(trx, ids, 'erased', now);
      await trx.deleteFrom('subscriber_categories').where('subscriber_id', 'in', ids).execute();
      await trx.deleteFrom('subscribers').where('id', 'in', ids).execute();
    }
    await trx
      .deleteFrom('users')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', externalId)
      .execute();

    const names = [externalId, ...ids, ...anonymousIds];
    const scoped = { workspaceId, key: ['id'] } as const;
    // A trigger's notification also keeps the event's properties for its templates.
    await scrubJsonColumn(
      trx,
      { ...scoped, table: 'notifications', column: 'target', clear: 'properties' },
      names,
    );
    await scrubJsonColumn(trx, { ...scoped, table: 'jobs', column: 'payload' }, names);
    await scrubJsonColumn(trx, { ...scoped, table: 'jobs', column: 'result' }, names);
    await scrubJsonColumn(
      trx,
      { workspaceId, table: 'idempotency_keys', column: 'response', key: ['workspace_id', 'key'] },
      names,
    );
    return true;
  });
}
