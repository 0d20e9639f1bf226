import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * GDPR erasure of one user: the user, every subscriber it has on any site, everything
 * recorded about them (events, also those recorded under their anonymous ids; deliveries
 * and receipts; audience memberships). Campaign counters stay: they hold no personal data.
 * Returns false when there was nothing to erase.
 */
export async function eraseUser(
  db: Kysely<Database>,
  workspaceId: string,
  externalId: string,
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
    const anonymousIds = subscribers.flatMap((s) => (s.anonymous_id ? [s.anonymous_id] : []));
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
      .where('member_key', 'in', [`user:${externalId}`, ...ids.map((id) => `subscriber:${id}`)])
      .execute();
    if (ids.length > 0) {
      await trx
        .deleteFrom('receipts')
        .where(
          'delivery_id',
          'in',
          trx.selectFrom('deliveries').select('id').where('subscriber_id', 'in', ids),
        )
        .execute();
      await trx.deleteFrom('deliveries').where('subscriber_id', 'in', ids).execute();
      await trx.deleteFrom('subscriber_categories').where('subscriber_id', 'in', ids).execute();
      await trx.deleteFrom('subscribers').where('id', 'in', ids).execute();
    }
    await trx
      .deleteFrom('users')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', externalId)
      .execute();
    return true;
  });
}
