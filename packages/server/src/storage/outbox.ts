import type { Insertable, Kysely } from 'kysely';
import {
  SEGMENT_TRACK_EVENTS,
  webhookBody,
  type OutEvent,
  type WebhookEventType,
} from '../domain/webhook-events.ts';
import { newId } from './ids.ts';
import { fromJson } from './json.ts';
import type { Database, WebhookMessageTable } from './schema.ts';

/** 9 columns × 300 rows stays far under SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 300;

/**
 * Writes the outbox rows of `events` for every enabled destination of their workspaces that
 * wants them — called inside the transaction that records the facts, so the events leave
 * exactly when the facts are committed (API.md "Events out": durable); a fact already
 * written for a destination is skipped (the `fact` key). One read of the
 * destinations per call; nothing is written when nobody listens.
 *
 * @example await enqueueEvents(trx, [{ workspaceId, type: 'subscriber.created', subject: id, at: now, data }]);
 */
export async function enqueueEvents(
  trx: Kysely<Database>,
  events: readonly OutEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const workspaceIds = [...new Set(events.map((e) => e.workspaceId))];
  const destinations = await trx
    .selectFrom('webhooks')
    .select(['id', 'workspace_id', 'kind', 'events'])
    .where('workspace_id', 'in', workspaceIds)
    .where('enabled', '=', 1)
    .execute();
  if (destinations.length === 0) return;
  const wanted = destinations.map((d) => ({
    ...d,
    types: new Set(fromJson<WebhookEventType[]>(d.events, [])),
  }));
  const userIds = wanted.some((d) => d.kind === 'segment')
    ? await externalIdsOf(trx, events)
    : new Map<string, string | null>();

  const rows: Array<Insertable<WebhookMessageTable>> = [];
  for (const event of events) {
    for (const destination of wanted) {
      if (destination.workspace_id !== event.workspaceId) continue;
      if (!destination.types.has(event.type)) continue;
      const id = newId('msg');
      const body =
        destination.kind === 'segment'
          ? segmentTrack(event, id, userIds.get(event.subject) ?? null)
          : webhookBody(event);
      if (body === undefined) continue;
      rows.push({
        id,
        webhook_id: destination.id,
        workspace_id: event.workspaceId,
        type: event.type,
        subject: event.subject,
        fact: `${event.type}:${typeof event.data.deliveryId === 'string' ? event.data.deliveryId : event.subject}`,
        body,
        status: 'pending',
        created_at: event.at,
      });
    }
  }
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await trx
      .insertInto('webhook_messages')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .onConflict((oc) => oc.columns(['webhook_id', 'fact']).doNothing())
      .execute();
  }
}

/** The subscribers' externalIds, for Segment's `userId` (read in the same transaction). */
async function externalIdsOf(trx: Kysely<Database>, events: readonly OutEvent[]) {
  const subjects = [
    ...new Set(events.filter((e) => SEGMENT_TRACK_EVENTS[e.type]).map((e) => e.subject)),
  ];
  if (subjects.length === 0) return new Map<string, string | null>();
  const rows = await trx
    .selectFrom('subscribers')
    .select(['id', 'external_id'])
    .where('id', 'in', subjects)
    .execute();
  return new Map(rows.map((r) => [r.id, r.external_id]));
}

/**
 * A receipt as a Segment `track` call (Segment's spec: "Push Notification Delivered / Opened /
 * Dismissed"). `anonymousId` is the subscriber, so a browser without a user is still one
 * person downstream; `messageId` is the outbox row's, so a retried batch de-duplicates.
 */
function segmentTrack(event: OutEvent, messageId: string, userId: string | null) {
  const name = SEGMENT_TRACK_EVENTS[event.type];
  if (!name) return undefined;
  const d = event.data;
  return JSON.stringify({
    type: 'track',
    event: name,
    ...(userId ? { userId } : {}),
    anonymousId: event.subject,
    messageId,
    timestamp: new Date(event.at).toISOString(),
    properties: {
      campaign: d.campaignId,
      message: d.messageId,
      site: d.siteId,
      ...(d.action ? { action: d.action } : {}),
      deliveryId: d.deliveryId,
    },
    context: { library: { name: 'beckon' } },
  });
}
