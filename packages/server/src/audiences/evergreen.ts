import { createFailureBackoff } from '../domain/failure-backoff.ts';
import { resolveContent } from '../domain/payload.ts';
import type { Campaign } from '../storage/campaigns.ts';
import { newId } from '../storage/ids.ts';
import type { Store } from '../storage/store.ts';

/** How long an evergreen push may wait for delivery before it is pointless. */
const EVERGREEN_TTL_S = 24 * 60 * 60;
const PAGE = 500;

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

  const newMembers = (campaign: Campaign, limit: number) =>
    store.evergreen.newMembers(campaign, clock(), limit);

  return {
    /** Records the audience's current members as served, so only later members get the push. */
    async baseline(campaign: Campaign): Promise<void> {
      for (;;) {
        const rows = await newMembers(campaign, 5_000);
        if (rows.length === 0) return;
        const now = clock();
        const keys = [...new Set(rows.map((r) => r.member_key))];
        await store.evergreen.markServed(campaign, keys, now);
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
    await store.transaction(async (tx) => {
      await tx.evergreen.markServed(campaign, [...new Set(rows.map((r) => r.member_key))], now);
      const jobId = await tx.jobs.enqueue(
        {
          workspaceId: campaign.workspaceId,
          kind: 'evergreen',
          payload: { notificationId },
          runAt: now,
        },
        now,
      );
      await tx.jobs.finish(jobId, { status: 'succeeded', result: { targeted: rows.length } }, now);
      await tx.notifications.insert({
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
      });
      await tx.deliveries.insertMany(
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
      );
    });
    deps.onQueued();
    return true;
  }
}

export type Evergreen = ReturnType<typeof createEvergreen>;
