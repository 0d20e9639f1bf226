import { createAccountStore } from './accounts.ts';
import { createAudienceStore } from './audiences.ts';
import { campaignSeries, workspaceSeries, type CampaignSeriesQuery } from './campaign-series.ts';
import { subscriberSeries } from './subscriber-stats.ts';
import { createCampaignStore } from './campaigns.ts';
import { createCappingStore } from './capping.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Kysely } from 'kysely';
import type { Db, DialectName } from './database.ts';
import type { Database } from './schema.ts';
import { createDeliveryStore } from './deliveries.ts';
import { eraseUser } from './erase.ts';
import { createEventStore } from './events.ts';
import { createPlainEventStore } from './plain-events.ts';
import { createEvergreenStore } from './evergreen.ts';
import { createHealthStore } from './health.ts';
import { createIdempotencyStore } from './idempotency.ts';
import { createJobChunkStore } from './job-chunks.ts';
import { createJobStore } from './jobs.ts';
import { finishNotifications } from './notification-finish.ts';
import { createNotificationStore } from './notifications.ts';
import { createReceiptStore } from './receipts.ts';
import { createRetentionStore } from './retention.ts';
import { createSessionStore } from './sessions.ts';
import { createSiteStore } from './sites.ts';
import { createSubscriberImport } from './subscriber-import.ts';
import { createSubscriberActivity } from './subscriber-activity.ts';
import { createSubscriberStore } from './subscribers.ts';
import { createTargeting } from './targeting.ts';
import { createTriggerStore } from './triggers.ts';
import { createUserStore } from './users.ts';
import { createWebhookStore } from './webhooks.ts';
import { createWorkspaceStore } from './workspaces.ts';

/**
 * Every repository over one database. The rest of the server sees only this object, never
 * SQL: work that must commit together runs in `store.transaction(tx => …)`, where `tx` is this
 * same store bound to one transaction.
 *
 * `secrets` seals site secrets at rest; the server always passes one (see
 * secrets/open-secrets.ts). Without it (tools that only seed data) they are written plain,
 * and the server seals them on its next start.
 *
 * @example
 * const store = createStore(await openDatabase(url), { secrets });
 * await store.transaction(async (tx) => {
 *   await tx.notifications.insert(notification);
 *   await tx.jobs.enqueue(job);
 * });
 */
export function createStore(db: Db, opts: { secrets?: SecretBox } = {}): Store {
  return storeOn(db.kysely, db, opts);
}

function storeOn(kysely: Kysely<Database>, db: Db, opts: { secrets?: SecretBox }): Store {
  const store: Store = {
    ...repositories(kysely, db, opts),
    // Inside a transaction `db.kysely` is the transaction, so nothing escapes it by accident.
    db: kysely === db.kysely ? db : { ...db, kysely },
    transaction(fn) {
      // Kysely has no nested transactions: an inner `transaction` joins the outer one.
      if (kysely.isTransaction) return fn(store);
      return kysely.transaction().execute((trx) => fn(storeOn(trx, db, opts)));
    },
    idempotent(workspaceId, key, now, fn) {
      return store.idempotency.once(workspaceId, key, now, (trx) => fn(storeOn(trx, db, opts)));
    },
  };
  return store;
}

function repositories(kysely: Kysely<Database>, db: Db, opts: { secrets?: SecretBox }) {
  const { dialect } = db;
  const audiences = createAudienceStore(kysely, dialect);
  return {
    audiences,
    workspaces: createWorkspaceStore(kysely, db.apiKeys),
    sites: createSiteStore(kysely, opts.secrets),
    subscribers: createSubscriberStore(kysely, dialect),
    subscriberImport: createSubscriberImport(kysely),
    /** A subscriber's recent events and pushes (its dashboard page). */
    activity: createSubscriberActivity(kysely),
    users: { ...createUserStore(kysely), erase: eraseUser.bind(null, kysely) },
    /** `storePlain`: a group commit's plain events in one statement (plain-events.ts). */
    events: { ...createEventStore(kysely, dialect), ...createPlainEventStore(kysely, dialect) },
    campaigns: {
      ...createCampaignStore(kysely),
      /** Counts over time from the hourly roll-up (campaign-series.ts). */
      series: (query: CampaignSeriesQuery) => campaignSeries(kysely, query),
    },
    notifications: {
      ...createNotificationStore(kysely),
      /** Decides `notification.finished` for up to `limit` notifications (events out). */
      finishDue: (now: number, limit: number) => finishNotifications(kysely, now, limit),
    },
    deliveries: createDeliveryStore(kysely, dialect),
    receipts: createReceiptStore(kysely),
    jobs: createJobStore(kysely, dialect),
    jobChunks: createJobChunkStore(kysely),
    idempotency: createIdempotencyStore(kysely),
    targeting: createTargeting(kysely, dialect, audiences),
    evergreen: createEvergreenStore(kysely, audiences),
    triggers: createTriggerStore(kysely, dialect),
    capping: createCappingStore(kysely, dialect),
    retention: createRetentionStore(kysely, dialect),
    health: createHealthStore(kysely),
    /** Series for the dashboard, from the roll-ups (campaign-series.ts, subscriber-stats.ts). */
    stats: {
      workspace: (query: Parameters<typeof workspaceSeries>[1]) => workspaceSeries(kysely, query),
      subscribers: (query: Parameters<typeof subscriberSeries>[1]) =>
        subscriberSeries(kysely, query),
    },
    webhooks: createWebhookStore(kysely, opts.secrets),
    accounts: createAccountStore(kysely),
    sessions: createSessionStore(kysely),
  };
}

/**
 * A Kysely transaction, for callers in http/ that still open their own; everything else uses
 * `store.transaction`. (Goes when http/ holds no SQL.)
 */
export type DbTransaction = Kysely<Database>;

export interface Store extends ReturnType<typeof repositories> {
  /** The open database; outside `storage/` only for its `dialect` and `close()`. */
  db: Db;
  /**
   * Runs `fn` in one transaction and returns its result; `tx` has this store's shape, bound
   * to the transaction. A throw rolls everything back. Called on a `tx`, it joins it.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * `transaction`, storing what `fn` returns under the request's `Idempotency-Key` in the
   * same transaction (`idempotency.once`): a repeat, or a request racing this one, gets the
   * first committed answer and `fn`'s work is rolled back.
   *
   * @example await store.idempotent(workspaceId, key, now, (tx) => createNotification(tx, input, now));
   */
  idempotent<T>(
    workspaceId: string,
    key: string | undefined,
    now: number,
    fn: (tx: Store) => Promise<T>,
  ): Promise<T>;
}
