import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { WebhookEventType } from '../domain/webhook-events.ts';
import { PLAIN_BOX, type SecretBox } from '../secrets/secret-box.ts';
import { newId } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import { QUEUE_DEPTH_CAP } from './queue-depth.ts';
import type { Database, WebhookMessageTable, WebhookTable } from './schema.ts';

export interface Webhook {
  id: string;
  workspaceId: string;
  kind: 'webhook' | 'segment';
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  disabledReason: string | null;
  failures: number;
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A destination as its sender needs it: with the secret (or write key) opened. */
export interface Destination extends Webhook {
  secret: string;
}

export type WebhookMessage = Selectable<WebhookMessageTable>;

/** What one attempt at a message gave: an HTTP status (0: no answer) and, failing, why. */
export interface Attempt {
  id: string;
  status: number;
  ok: boolean;
  error?: string;
}

function toWebhook(row: Selectable<WebhookTable>): Webhook {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    kind: row.kind,
    url: row.url,
    events: fromJson(row.events, []),
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    failures: Number(row.failures),
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A Standard Webhooks secret: `whsec_` and base64 of 24 random bytes (the spec's 24–64). */
const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * Destinations of events out and their outbox (see migration 0017_webhooks). Secrets are
 * sealed by `box` like site secrets; the API never reads one back after creation.
 */
export function createWebhookStore(db: Kysely<Database>, box: SecretBox = PLAIN_BOX) {
  const open = (row: Selectable<WebhookTable>): Destination => ({
    ...toWebhook(row),
    secret: box.open(row.secret),
  });

  const webhooks = {
    async create(
      workspaceId: string,
      input: { url: string; events: WebhookEventType[]; enabled: boolean },
      now: number,
    ): Promise<{ webhook: Webhook; secret: string }> {
      const secret = newWebhookSecret();
      const row = {
        id: newId('wh'),
        workspace_id: workspaceId,
        kind: 'webhook' as const,
        url: input.url,
        events: toJson(input.events),
        secret: box.seal(secret),
        enabled: input.enabled ? 1 : 0,
        disabled_reason: null,
        failing_since: null,
        lease_until: null,
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('webhooks').values(row).execute();
      return { webhook: toWebhook({ ...row, failures: 0, next_attempt_at: 0 }), secret };
    },

    async list(workspaceId: string): Promise<Webhook[]> {
      const rows = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'webhook')
        .orderBy('created_at')
        .orderBy('id')
        .limit(1_000)
        .execute();
      return rows.map(toWebhook);
    },

    async get(workspaceId: string, id: string): Promise<Webhook | undefined> {
      const row = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'webhook')
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toWebhook(row);
    },

    /** Enabling again clears the failure streak and the notice, and tries at once. */
    async update(
      workspaceId: string,
      id: string,
      patch: {
        url?: string | undefined;
        events?: WebhookEventType[] | undefined;
        enabled?: boolean | undefined;
      },
      now: number,
    ): Promise<Webhook | undefined> {
      await db
        .updateTable('webhooks')
        .set({
          updated_at: now,
          ...(patch.url !== undefined && { url: patch.url }),
          ...(patch.events !== undefined && { events: toJson(patch.events) }),
          ...(patch.enabled === false && { enabled: 0 }),
          ...(patch.enabled === true && {
            enabled: 1,
            disabled_reason: null,
            failures: 0,
            failing_since: null,
            next_attempt_at: 0,
          }),
        })
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'webhook')
        .where('id', '=', id)
        .execute();
      return webhooks.get(workspaceId, id);
    },

    /** Deletes the webhook and its outbox (what was not sent will not be). */
    async delete(workspaceId: string, id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const deleted = await trx
          .deleteFrom('webhooks')
          .where('workspace_id', '=', workspaceId)
          .where('kind', '=', 'webhook')
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) return false;
        await trx.deleteFrom('webhook_messages').where('webhook_id', '=', id).execute();
        return true;
      });
    },

    /** The workspace's Segment forwarder (its write key stays sealed). */
    async segment(workspaceId: string): Promise<Webhook | undefined> {
      const row = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'segment')
        .executeTakeFirst();
      return row && toWebhook(row);
    },

    /** Sets (or with null, removes) the workspace's one Segment forwarder. */
    async setSegment(
      workspaceId: string,
      forward: { writeKey: string; endpoint: string } | null,
      events: WebhookEventType[],
      now: number,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('webhooks')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('kind', '=', 'segment')
          .executeTakeFirst();
        if (!forward) {
          if (!current) return;
          await trx.deleteFrom('webhooks').where('id', '=', current.id).execute();
          await trx.deleteFrom('webhook_messages').where('webhook_id', '=', current.id).execute();
          return;
        }
        const values = {
          url: forward.endpoint,
          secret: box.seal(forward.writeKey),
          events: toJson(events),
          enabled: 1,
          disabled_reason: null,
          failures: 0,
          failing_since: null,
          next_attempt_at: 0,
          updated_at: now,
        };
        if (current) {
          await trx.updateTable('webhooks').set(values).where('id', '=', current.id).execute();
        } else {
          await trx
            .insertInto('webhooks')
            .values({
              ...values,
              id: newId('wh'),
              workspace_id: workspaceId,
              kind: 'segment',
              lease_until: null,
              created_at: now,
            })
            .execute();
        }
      });
    },

    /**
     * Leases one enabled destination whose queue is due and not empty, so one worker at a
     * time sends its messages (in order). Another process may win the row: then undefined.
     */
    async claimDue(now: number, leaseMs: number): Promise<Destination | undefined> {
      const candidate = await db
        .selectFrom('webhooks')
        .select('id')
        .where('enabled', '=', 1)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('webhook_messages')
              .select(sql`1`.as('one'))
              .whereRef('webhook_messages.webhook_id', '=', 'webhooks.id')
              .where('webhook_messages.status', '=', 'pending'),
          ),
        )
        .orderBy('next_attempt_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      const claimed = await db
        .updateTable('webhooks')
        .set({ lease_until: now + leaseMs })
        .where('id', '=', candidate.id)
        .where('enabled', '=', 1)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .returningAll()
        .executeTakeFirst();
      return claimed && open(claimed);
    },

    /** The oldest pending messages of a destination, in the order they must leave. */
    async pending(webhookId: string, limit: number): Promise<WebhookMessage[]> {
      return db
        .selectFrom('webhook_messages')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .where('status', '=', 'pending')
        .orderBy('seq')
        .limit(limit)
        .execute();
    },

    /**
     * Records a round of attempts and releases the lease, in one transaction: sent messages
     * are done; a failure moves the destination's next try to `retryAt` (or, with `disable`,
     * turns it off with that notice). A round without failure clears the streak.
     */
    async recordAttempts(
      webhookId: string,
      attempts: readonly Attempt[],
      now: number,
      next: { retryAt?: number; disable?: string },
    ): Promise<void> {
      const failed = attempts.some((a) => !a.ok);
      await db.transaction().execute(async (trx) => {
        const sent = attempts.filter((a) => a.ok);
        for (const group of groupBy(sent, (a) => a.status)) {
          await trx
            .updateTable('webhook_messages')
            .set({
              status: 'sent',
              attempts: sql`attempts + 1`,
              last_status: group[0]!.status,
              last_error: null,
              last_attempt_at: now,
            })
            .where(
              'id',
              'in',
              group.map((a) => a.id),
            )
            .execute();
        }
        for (const attempt of attempts.filter((a) => !a.ok)) {
          await trx
            .updateTable('webhook_messages')
            .set({
              attempts: sql`attempts + 1`,
              last_status: attempt.status,
              last_error: attempt.error ?? null,
              last_attempt_at: now,
            })
            .where('id', '=', attempt.id)
            .execute();
        }
        await trx
          .updateTable('webhooks')
          .set(
            failed
              ? {
                  lease_until: null,
                  failures: sql`failures + 1`,
                  failing_since: sql`coalesce(failing_since, ${now})`,
                  next_attempt_at: next.retryAt ?? now,
                  ...(next.disable !== undefined && {
                    enabled: 0,
                    disabled_reason: next.disable,
                  }),
                }
              : { lease_until: null, failures: 0, failing_since: null, next_attempt_at: 0 },
          )
          .where('id', '=', webhookId)
          .execute();
      });
    },

    /** Every destination's sealed secret, as stored (for key rotation). */
    async listSealedSecrets(): Promise<Array<{ id: string; secret: string }>> {
      return db.selectFrom('webhooks').select(['id', 'secret']).orderBy('id').execute();
    },

    /** Replaces one sealed secret if it is still `from` (another run may have moved it). */
    async replaceSealedSecret(id: string, from: string, to: string): Promise<boolean> {
      const result = await db
        .updateTable('webhooks')
        .set({ secret: to })
        .where('id', '=', id)
        .where('secret', '=', from)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** Gives the lease back without an attempt (a worker shutting down). */
    async release(webhookId: string): Promise<void> {
      await db
        .updateTable('webhooks')
        .set({ lease_until: null })
        .where('id', '=', webhookId)
        .execute();
    },

    /** A page of a webhook's messages, newest first, with their attempts (`GET …/deliveries`). */
    async messages(
      webhookId: string,
      page: { limit: number; before?: number | undefined },
    ): Promise<WebhookMessage[]> {
      return db
        .selectFrom('webhook_messages')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .$if(page.before !== undefined, (q) => q.where('seq', '<', page.before!))
        .orderBy('seq', 'desc')
        .limit(page.limit)
        .execute();
    },

    /** Pending messages of enabled destinations, counted up to QUEUE_DEPTH_CAP (for /metrics). */
    async backlog(): Promise<number> {
      const row = await db
        .selectFrom(
          db
            .selectFrom('webhook_messages')
            .select(sql<number>`1`.as('one'))
            .where('status', '=', 'pending')
            .limit(QUEUE_DEPTH_CAP)
            .as('q'),
        )
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** Deletes up to `limit` sent messages created before `before`; returns how many. */
    async pruneSent(before: number, limit: number): Promise<number> {
      const old = db
        .selectFrom('webhook_messages')
        .select('seq')
        .where('status', '=', 'sent')
        .where('created_at', '<', before)
        .limit(limit);
      const result = await db
        .deleteFrom('webhook_messages')
        .where('seq', 'in', old)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
  return webhooks;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): T[][] {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;
