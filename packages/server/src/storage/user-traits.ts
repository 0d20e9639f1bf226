import type { Kysely } from 'kysely';
import { toJson } from './json.ts';
import type { Database } from './schema.ts';

/**
 * Sets a user's traits to exactly `traits`, creating the user (with `createdAt`) when it does
 * not exist: one statement, so a concurrent creation of the same user is not an error.
 *
 * @example await writeUserTraits(trx, { workspaceId, externalId: 'u-1', traits, createdAt: now, now });
 */
export async function writeUserTraits(
  db: Kysely<Database>,
  user: {
    workspaceId: string;
    externalId: string;
    traits: Record<string, unknown>;
    createdAt: number;
    now: number;
  },
): Promise<void> {
  const traits = toJson(user.traits);
  await db
    .insertInto('users')
    .values({
      workspace_id: user.workspaceId,
      external_id: user.externalId,
      traits,
      created_at: user.createdAt,
      updated_at: user.now,
    })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'external_id']).doUpdateSet({ traits, updated_at: user.now }),
    )
    .execute();
}
