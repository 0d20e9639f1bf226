import { sql } from 'kysely';
import { createFailureBackoff } from '../domain/failure-backoff.ts';
import { resolveContent } from '../domain/payload.ts';
import type { Campaign } from '../storage/campaigns.ts';
import { newId } from '../storage/ids.ts';
import type { Store } from '../storage/store.ts';

/** The member a subscriber counts as: its user when it has one, else itself. */
const MEMBER_KEY = sql<string>`CASE WHEN subscribers.external_id IS NULL THEN 'subscriber:' || subscribers.id ELSE 'user:' || subscribers.external_id END`;

/** How long an evergreen push may wait for delivery before it is pointless. */
const EVERGREEN_TTL_S = 24 * 60 * 60;
const PAGE = 500;

/** "Already sent" marks, in the campaign's workspace (an erase elsewhere never touches them). */
function marks(campaign: Campaign, keys: readonly string[], at: number) {
  return keys.map((member_key) => ({
    workspace_id: campaign.workspaceId,
    campaign_id: campaign.id,
    member_key,
    at,
  }));
}

/**
 * Evergreen campaigns: every new member of the attached audience gets the campaign's
 * message once, automatically. "Once" is per member (a user, across all its devices);
 * members present when the campaign was attached are recorded as already served.
 */
export function createEvergreen(deps: {
  store: Store;
  clock: () => number;
  onQueued: () => void;
  log?: (message: string) => void;
}) {
  const { store, clock } = deps;
  const failures = createFailureBackoff();

  async function newMembers(campaign: Campaign, limit: number) {
    const audienceId = campaign.audience!.audienceId;
    const [predicate] = await store.audiences.predicates(
      campaign.workspaceId,
      [audienceId],
      clock(),
    );
    return store.db.kysely
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
  }

  return {
    /** Records the audience's current members as served, so only later members get the push. */
    async baseline(campaign: Campaign): Promise<void> {
      for (;;) {
        const rows = await newMembers(campaign, 5_000);
        if (rows.length === 0) return;
        const now = clock();
        const keys = [...new Set(rows.map((r) => r.member_key))];
        await store.db.kysely
          .insertInto('evergreen_sends')
          .values(marks(campaign, keys, now))
          .onConflict((oc) => oc.columns(['workspace_id', 'campaign_id', 'member_key']).doNothing())
          .execute();
      }
    },

    /**
     * Sends to members that joined since the last sweep; true when it found some. A campaign
     * that fails (a rule its SQL cannot run, an unreadable row) is logged and skipped with
     * backoff; every other campaign, of every workspace, is still swept.
     */
    async sweep(): Promise<boolean> {
      let found = false;
      for (const { id, workspaceId } of await store.campaigns.listEvergreen()) {
        if (!failures.due(id, clock())) continue;
        try {
          if (await sweepCampaign(workspaceId, id)) found = true;
          failures.succeeded(id);
        } catch (error) {
          const attempts = failures.failed(id, error, clock());
          deps.log?.(
            `evergreen campaign ${id} (${workspaceId}) failed ${attempts}× in a row: ${(error as Error).message}`,
          );
        }
      }
      return found;
    },

    /** Campaigns whose sweep keeps failing (what the log says, for tests and operators). */
    failing: () => failures.failing(),
  };

  /** Queues the campaign's message for its new members; true when there were some. */
  async function sweepCampaign(workspaceId: string, id: string): Promise<boolean> {
    const campaign = await store.campaigns.get(workspaceId, id);
    const message = campaign?.messages.find((m) => m.id === campaign.audience?.messageId);
    if (!campaign || !message) return false;
    const rows = await newMembers(campaign, PAGE);
    if (rows.length === 0) return false;
    const now = clock();
    const notificationId = newId('ntf');
    const expiresAt = now + EVERGREEN_TTL_S * 1000;
    await store.db.kysely.transaction().execute(async (trx) => {
      const keys = [...new Set(rows.map((r) => r.member_key))];
      await trx
        .insertInto('evergreen_sends')
        .values(marks(campaign, keys, now))
        .onConflict((oc) => oc.columns(['workspace_id', 'campaign_id', 'member_key']).doNothing())
        .execute();
      const jobId = await store.jobs.enqueue(
        {
          workspaceId: campaign.workspaceId,
          kind: 'evergreen',
          payload: { notificationId },
          runAt: now,
        },
        now,
        trx,
      );
      await store.jobs.finish(
        jobId,
        { status: 'succeeded', result: { targeted: rows.length } },
        now,
        trx,
      );
      await store.notifications.insert(
        {
          id: notificationId,
          workspaceId: campaign.workspaceId,
          campaignId: campaign.id,
          messageId: message.id,
          content: resolveContent(message, undefined),
          target: { subscriberIds: rows.map((r) => r.id) },
          ttl: EVERGREEN_TTL_S,
          urgency: 'normal',
          topic: null,
          ignoreCapping: false,
          sendAt: now,
          expiresAt,
          cancelled: false,
          jobId,
          createdAt: now,
        },
        trx,
      );
      await store.deliveries.insertMany(
        rows.map((r) => ({
          id: newId('dlv'),
          notificationId,
          workspaceId: campaign.workspaceId,
          subscriberId: r.id,
          siteId: r.site_id,
          campaignId: campaign.id,
          messageId: message.id,
          status: 'queued',
          nextAttemptAt: now,
          expiresAt,
          // A welcome push is owed to each new member now: never behind a broadcast.
          lane: 'express',
        })),
        trx,
      );
    });
    deps.onQueued();
    return true;
  }
}

export type Evergreen = ReturnType<typeof createEvergreen>;
