import type { Generated } from 'kysely';

/**
 * The database schema as Kysely sees it. Timestamps are epoch milliseconds in BIGINT
 * columns (read back as numbers on both dialects); JSON is stored as TEXT and parsed by
 * the repository that owns the table, so SQLite and PostgreSQL share one code path.
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
  created_at: number;
  updated_at: number;
}

export type RunStatus = 'waiting' | 'done' | 'cancelled' | 'stopped';

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
}

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  key_hash: string;
  prefix: string;
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
  vapid_private_key: string;
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
}

export type DeliveryStatus = 'queued' | 'delivered' | 'failed' | 'expired' | 'capped';

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
