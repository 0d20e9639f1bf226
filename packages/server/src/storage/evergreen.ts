import { sql, type Kysely } from 'kysely';
import type { AudienceStore } from './audiences.ts';
import type { Campaign } from './campaigns.ts';
import type { Database } from './schema.ts';

/** The member a subscriber counts as: its user when it has one, else itself. */
const MEMBER_KEY = sql<string>`CASE WHEN subscribers.external_id IS NULL THEN 'subscriber:' || subscribers.id ELSE 'user:' || subscribers.external_id END`;

export interface NewMember {
  id: string;
  site_id: string;
  /** `user:<externalId>` or `subscriber:<id>`: "once" is per member, across its devices. */
  member_key: string;
}

/** Which members of an evergreen campaign's audience were served, and which are new. */
export function createEvergreenStore(db: Kysely<Database>, audiences: AudienceStore) {
  return {
    /** Subscribers of the campaign's audience whose member was never served, in id order. */
    async newMembers(campaign: Campaign, now: number, limit: number): Promise<NewMember[]> {
      const audienceId = campaign.audience!.audienceId;
      const [predicate] = await audiences.predicates(campaign.workspaceId, [audienceId], now);
      return db
        .selectFrom('subscribers')
        .select(['subscribers.id', 'subscribers.site_id', MEMBER_KEY.as('member_key')])
        .where('subscribers.workspace_id', '=', campaign.workspaceId)
        .where(predicate!)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('evergreen_sends as es')
                .select('es.member_key')
                .where('es.workspace_id', '=', campaign.workspaceId)
                .where('es.campaign_id', '=', campaign.id)
                .where(sql`es.member_key`, '=', MEMBER_KEY),
            ),
          ),
        )
        .orderBy('subscribers.id')
        .limit(limit)
        .execute();
    },

    /** "Already sent" marks, in the campaign's workspace (an erase elsewhere never touches them). */
    async markServed(campaign: Campaign, memberKeys: readonly string[], at: number) {
      if (memberKeys.length === 0) return;
      await db
        .insertInto('evergreen_sends')
        .values(
          memberKeys.map((member_key) => ({
            workspace_id: campaign.workspaceId,
            campaign_id: campaign.id,
            member_key,
            at,
          })),
        )
        .onConflict((oc) => oc.columns(['workspace_id', 'campaign_id', 'member_key']).doNothing())
        .execute();
    },
  };
}
