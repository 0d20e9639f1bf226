import { sql, type Kysely } from 'kysely';
import { fromJson } from './json.ts';
import type { Database } from './schema.ts';
import { writeUserTraits } from './user-traits.ts';
import { inTransaction } from './transaction.ts';

/**
 * Segment `alias`: everything known under `previousId` becomes `userId`'s, in one
 * transaction. Subscribers, events and trigger runs are re-keyed; traits are merged (the
 * surviving user's win on conflict); audience memberships move (a membership both had is
 * kept once); the previous user is removed. `previousId` may also be an anonymous id
 * (analytics.js aliases the anonymous visitor): its subscribers and events are linked too.
 * Everything is scoped to the workspace, so an id of another workspace is never touched.
 *
 * @example await aliasUser(db, 'ws_1', 'anon-7', 'u-102', Date.now());
 */
export async function aliasUser(
  db: Kysely<Database>,
  workspaceId: string,
  previousId: string,
  userId: string,
  now: number,
): Promise<void> {
  // Aliasing a user to itself must not delete it.
  if (previousId === userId) return;
  await inTransaction(db, async (trx) => {
    const users = await trx
      .selectFrom('users')
      .select(['external_id', 'traits', 'created_at'])
      .where('workspace_id', '=', workspaceId)
      .where('external_id', 'in', [previousId, userId])
      .execute();
    const previous = users.find((u) => u.external_id === previousId);
    const current = users.find((u) => u.external_id === userId);
    const traits = {
      ...fromJson<Record<string, unknown>>(previous?.traits, {}),
      ...fromJson<Record<string, unknown>>(current?.traits, {}),
    };
    await writeUserTraits(trx, {
      workspaceId,
      externalId: userId,
      traits,
      createdAt: current?.created_at ?? previous?.created_at ?? now,
      now,
    });

    await trx
      .updateTable('subscribers')
      .set({ external_id: userId, last_seen_at: now })
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([
          eb('external_id', '=', previousId),
          eb.and([eb('anonymous_id', '=', previousId), eb('external_id', 'is', null)]),
        ]),
      )
      .execute();
    await trx
      .updateTable('events')
      .set({ external_id: userId })
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([
          eb('external_id', '=', previousId),
          eb.and([eb('anonymous_id', '=', previousId), eb('external_id', 'is', null)]),
        ]),
      )
      .execute();
    await trx
      .updateTable('trigger_runs')
      .set({ external_id: userId, updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', previousId)
      .execute();

    // Copy then delete: the unique (audience, type, id) key keeps a shared membership once.
    await sql`
      INSERT INTO audience_members (audience_id, member_type, member_id, workspace_id, added_at)
      SELECT audience_id, member_type, ${userId}, workspace_id, added_at FROM audience_members
      WHERE workspace_id = ${workspaceId} AND member_type = 'user' AND member_id = ${previousId}
      ON CONFLICT (audience_id, member_type, member_id) DO NOTHING`.execute(trx);
    await trx
      .deleteFrom('audience_members')
      .where('workspace_id', '=', workspaceId)
      .where('member_type', '=', 'user')
      .where('member_id', '=', previousId)
      .execute();
    await trx
      .deleteFrom('users')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', previousId)
      .execute();
  });
}
