import type { Generated } from 'kysely';

/**
 * The database schema as Kysely sees it. Timestamps are epoch milliseconds in BIGINT
 * columns (read back as numbers on both dialects); JSON is stored as TEXT and parsed by
 * the repository that owns the table, so SQLite and PostgreSQL share one code path.
 *
 * Tenancy audit (one workspace never reaches another's rows). Every table holding workspace
 * data has `workspace_id`, except these, each reached only through a workspace-scoped parent:
 * - `subscriber_categories`: by `subscriber_id`, after the subscriber was found in the
 *   workspace (subscribers.ts, rule-sql.ts's EXISTS on `subscribers.id`, erase.ts).
 * - `campaign_stats`: by `campaign_id` of a campaign fetched with its workspace
 *   (`GET /v1/campaigns/{id}/stats`), or of a delivery (workspace-scoped) when counting.
 * - `receipts`: by `delivery_id` of a delivery found on the receipt's site (`getOnSite`).
 * - `push_log`: by `subscriber_id` of a claimed delivery's subscriber (capping.ts).
 * - `workspaces` itself, by the API key's workspace.
 * Ids are random and global (`newId`), so a foreign id never matches a scoped lookup.
 * `evergreen_sends` had no workspace and was deleted by member key alone (issue 9): it now
 * has `workspace_id` in its primary key (migration 0006_tenancy) and every query names it.
 */
export interface Database {
  workspaces: WorkspaceTable;
  api_keys: ApiKeyTable;
  sites: SiteTable;
  users: UserTable;
  subscribers: SubscriberTable;
  subscriber_categories: SubscriberCategoryTable;
  events: EventTable;
  campaigns: CampaignTable;
  campaign_stats: CampaignStatsTable;
  notifications: NotificationTable;
  deliveries: DeliveryTable;
  receipts: ReceiptTable;
  jobs: JobTable;
  idempotency_keys: IdempotencyKeyTable;
  audiences: AudienceTable;
  audience_members: AudienceMemberTable;
  evergreen_sends: EvergreenSendTable;
  ingestion_counters: IngestionCounterTable;
  triggers: TriggerTable;
  trigger_runs: TriggerRunTable;
  push_log: PushLogTable;
  accounts: AccountTable;
  sessions: SessionTable;
  account_tokens: AccountTokenTable;
  campaign_stats_hourly: CampaignStatsHourlyTable;
  subscriber_stats_daily: SubscriberStatsDailyTable;
}

/** A campaign message's counters in one UTC hour (`hour`: epoch ms of its start). */
export interface CampaignStatsHourlyTable {
  workspace_id: string;
  campaign_id: string;
  message_id: string;
  hour: number;
  sent: Generated<number>;
  delivered: Generated<number>;
  failed: Generated<number>;
  capped: Generated<number>;
  shown: Generated<number>;
  clicked: Generated<number>;
  closed: Generated<number>;
}

/** New and ended subscribers of a site (and, `category_id` not '', of one category) in one UTC day. */
export interface SubscriberStatsDailyTable {
  workspace_id: string;
  site_id: string;
  category_id: string;
  day: number;
  subscribed: Generated<number>;
  gone: Generated<number>;
  unsubscribed: Generated<number>;
  revoked: Generated<number>;
  erased: Generated<number>;
}

export type Role = 'owner' | 'marketer' | 'viewer';

/** A person who signs in to the dashboard (not an end user: see `users`). */
export interface AccountTable {
  id: string;
  workspace_id: string;
  /** Lowercased; unique across workspaces. */
  email: string;
  /** argon2id PHC string; null until the one-time link sets it. */
  password_hash: string | null;
  role: Role;
  created_at: number;
  updated_at: number;
}

/** A signed-in browser; only the SHA-256 of the cookie's token is kept. */
export interface SessionTable {
  token_hash: string;
  account_id: string;
  workspace_id: string;
  created_at: number;
  expires_at: number;
}

/** A one-time set-password link, hashed like sessions. */
export interface AccountTokenTable {
  token_hash: string;
  account_id: string;
  workspace_id: string;
  created_at: number;
  expires_at: number;
}

export interface TriggerTable {
  id: string;
  workspace_id: string;
  name: string;
  on_event: string;
  /** JSON `{ on, steps }`. */
  definition: string;
  reentry: string | null;
  active: number;
  fired: Generated<number>;
  cancelled: Generated<number>;
  sent: Generated<number>;
  completed: Generated<number>;
  stopped: Generated<number>;
  /** Trigger sends skipped by a cap (a capped send is not `sent`). */
  capped: Generated<number>;
  created_at: number;
  updated_at: number;
}

/** `failed`: a step kept throwing; `last_error` says why (after MAX_RUN_ATTEMPTS). */
export type RunStatus = 'waiting' | 'done' | 'cancelled' | 'stopped' | 'failed';

export interface TriggerRunTable {
  id: string;
  trigger_id: string;
  workspace_id: string;
  external_id: string | null;
  subscriber_id: string | null;
  properties: string;
  /** JSON array of the trigger ids whose audience moves led to this run (loop guard). */
  chain: string;
  started_at: number;
  step: number;
  status: RunStatus;
  wake_at: number;
  lease_until: number | null;
  /** Claims since the run last made progress; reset when it moves on. */
  attempts: Generated<number>;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface PushLogTable {
  /** The delivery that reserved this slot (null for rows logged before 0009). */
  delivery_id: string | null;
  subscriber_id: string;
  campaign_id: string;
  sent_at: number;
}

export interface AudienceTable {
  id: string;
  workspace_id: string;
  name: string;
  key: string;
  rule: string | null;
  created_at: number;
  updated_at: number;
}

export type MemberType = 'user' | 'subscriber';

export interface AudienceMemberTable {
  audience_id: string;
  member_type: MemberType;
  member_id: string;
  workspace_id: string;
  added_at: number;
}

export interface EvergreenSendTable {
  workspace_id: string;
  campaign_id: string;
  member_key: string;
  at: number;
}

export interface IngestionCounterTable {
  workspace_id: string;
  received: number;
  dropped: number;
  duplicates: number;
}

export interface WorkspaceTable {
  id: string;
  name: string;
  created_at: number;
  /** JSON `{ eventsDays?, deliveriesDays?, jobsDays? }`; null or a missing key: the default. */
  retention: string | null;
}

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  key_hash: string;
  prefix: string;
  /** Given when made from the dashboard (0015); null for keys from `init`. */
  name: string | null;
  created_at: number;
}

export interface SiteTable {
  id: string;
  workspace_id: string;
  site_key: string;
  name: string;
  origins: string;
  categories: string;
  prompt: string;
  capping: string;
  vapid_subject: string;
  vapid_public_key: string;
  /** Sealed (`enc:v1:…`, see secrets/secret-box.ts) once the server has started. */
  vapid_private_key: string;
  identity_verification: 'required' | 'off';
  /** Sealed like `vapid_private_key`; NULL only between migration and first start. */
  identity_secret: string;
  previous_identity_secret: string | null;
  previous_identity_secret_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserTable {
  workspace_id: string;
  external_id: string;
  traits: string;
  created_at: number;
  updated_at: number;
}

export interface SubscriberTable {
  id: string;
  workspace_id: string;
  site_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expiration_time: number | null;
  timezone: string | null;
  language: string | null;
  anonymous_id: string | null;
  external_id: string | null;
  created_at: number;
  last_seen_at: number;
}

export interface SubscriberCategoryTable {
  subscriber_id: string;
  category_id: string;
}

export interface EventTable {
  id: string;
  workspace_id: string;
  site_id: string | null;
  subscriber_id: string | null;
  anonymous_id: string | null;
  external_id: string | null;
  type: string;
  name: string | null;
  properties: string;
  message_id: string | null;
  occurred_at: number;
  received_at: number;
}

export interface CampaignTable {
  id: string;
  workspace_id: string;
  name: string;
  messages: string;
  capping: string | null;
  /** Evergreen: every new member of this audience gets `audience_message_id` once. */
  audience_id: string | null;
  audience_message_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface CampaignStatsTable {
  campaign_id: string;
  message_id: string;
  sent: number;
  delivered: number;
  failed: number;
  capped: number;
  shown: number;
  clicked: number;
  closed: number;
}

export interface NotificationTable {
  id: string;
  workspace_id: string;
  campaign_id: string;
  message_id: string;
  content: string;
  target: string;
  ttl: number;
  urgency: string;
  topic: string | null;
  ignore_capping: number;
  send_at: number;
  expires_at: number;
  cancelled: number;
  job_id: string;
  created_at: number;
  /** JSON `{ start: "09:00", end: "21:00" }` in each subscriber's timezone, or null. */
  delivery_window: string | null;
  /** The trigger whose send step made this notification (its stats count the outcomes). */
  trigger_id: string | null;
  /** JSON of the event properties `{{properties.x}}` renders with, per delivery; triggers only. */
  properties: string | null;
}

/** `cancelled`: its notification was cancelled before this delivery was sent (or while it waited to retry). */
export type DeliveryStatus = 'queued' | 'delivered' | 'failed' | 'expired' | 'capped' | 'cancelled';

export interface DeliveryTable {
  id: string;
  notification_id: string;
  workspace_id: string;
  subscriber_id: string;
  site_id: string;
  campaign_id: string;
  message_id: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  expires_at: number;
  sent_at: number | null;
  finished_at: number | null;
  last_error: string | null;
  capping_ignored: Generated<number>;
}

export interface ReceiptTable {
  delivery_id: string;
  kind: string;
  action: string | null;
  at: number;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobTable {
  id: string;
  workspace_id: string;
  kind: string;
  status: JobStatus;
  payload: string;
  progress_done: number;
  progress_total: number;
  result: string | null;
  error: string | null;
  run_at: number;
  lease_until: number | null;
  attempts: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyKeyTable {
  workspace_id: string;
  key: string;
  response: string;
  created_at: number;
}
