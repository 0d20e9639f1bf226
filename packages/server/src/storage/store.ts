import { createAccountStore } from './accounts.ts';
import { createAudienceStore } from './audiences.ts';
import { createCampaignStore } from './campaigns.ts';
import { createCappingStore } from './capping.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Db } from './database.ts';
import { createDeliveryStore } from './deliveries.ts';
import { createEventStore } from './events.ts';
import { createIdempotencyStore } from './idempotency.ts';
import { createJobStore } from './jobs.ts';
import { createNotificationStore } from './notifications.ts';
import { createReceiptStore } from './receipts.ts';
import { createRetentionStore } from './retention.ts';
import { createSessionStore } from './sessions.ts';
import { createSiteStore } from './sites.ts';
import { createSubscriberStore } from './subscribers.ts';
import { createTargeting } from './targeting.ts';
import { createTriggerStore } from './triggers.ts';
import { createUserStore } from './users.ts';
import { createWorkspaceStore } from './workspaces.ts';

/**
 * Every repository over one database. The rest of the server sees only this object, never
 * SQL. `store.db.kysely` is there for transactions that span repositories.
 *
 * `secrets` seals site secrets at rest; the server always passes one (see
 * secrets/open-secrets.ts). Without it (tools that only seed data) they are written plain,
 * and the server seals them on its next start.
 */
export function createStore(db: Db, opts: { secrets?: SecretBox } = {}) {
  const { kysely, dialect } = db;
  const audiences = createAudienceStore(kysely, dialect);
  return {
    audiences,
    db,
    workspaces: createWorkspaceStore(kysely),
    sites: createSiteStore(kysely, opts.secrets),
    subscribers: createSubscriberStore(kysely),
    users: createUserStore(kysely),
    events: createEventStore(kysely, dialect),
    campaigns: createCampaignStore(kysely),
    notifications: createNotificationStore(kysely),
    deliveries: createDeliveryStore(kysely, dialect),
    receipts: createReceiptStore(kysely),
    jobs: createJobStore(kysely, dialect),
    idempotency: createIdempotencyStore(kysely),
    targeting: createTargeting(kysely, audiences),
    triggers: createTriggerStore(kysely, dialect),
    capping: createCappingStore(kysely, dialect),
    retention: createRetentionStore(kysely, dialect),
    accounts: createAccountStore(kysely),
    sessions: createSessionStore(kysely),
  };
}

export type Store = ReturnType<typeof createStore>;
