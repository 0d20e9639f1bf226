/**
 * The API's JSON as the app reads it (API.md). Only the fields the pages use; the server's
 * zod schemas stay on the server so none of them reach this bundle.
 */
import type { Category, PromptSettings } from '../../../server/src/wire.ts';

export type { Category, PromptSettings };

export type Role = 'owner' | 'marketer' | 'viewer';

export interface SessionInfo {
  user: { id: string; email: string; role: Role };
  workspace: { id: string; name: string };
}

export interface Size {
  users: number;
  subscribers: number;
}

export interface Audience {
  id: string;
  name: string;
  type: 'manual' | 'rule';
  rule: Record<string, unknown> | null;
  size?: Size | null;
  ruleError?: string;
}

export interface Job {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: { done: number; total: number };
  result?: Record<string, unknown>;
  error?: string;
}

export interface Action {
  action: string;
  title: string;
  url: string;
}

export interface Message {
  id?: string;
  title: string;
  body: string;
  url?: string;
  icon?: string;
  image?: string;
  badge?: string;
  actions?: Action[];
}

export interface Campaign {
  id: string;
  name: string;
  messages: Message[];
  capping: { perHour?: number; perDay?: number } | null;
  createdAt: string;
}

export const COUNTS = [
  'sent',
  'delivered',
  'failed',
  'capped',
  'shown',
  'clicked',
  'closed',
] as const;
export type CountName = (typeof COUNTS)[number];
export type Counts = Record<CountName, number>;
export type Point = Counts & { at: string };

export interface CampaignStats extends Counts {
  campaignId: string;
  messages: Array<Counts & { messageId: string }>;
  series?: Point[];
}

export type NotificationStatus = 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'failed';

export interface NotificationInfo {
  id: string;
  status: NotificationStatus;
  campaignId: string;
  messageId: string | null;
  sendAt: string | null;
  createdAt: string;
  counts: Record<string, number>;
  failureReasons?: Array<{ reason: string; count: number }>;
}

export interface Site {
  id: string;
  siteKey: string;
  name: string;
  origins: string[];
  categories: Category[];
  prompt: PromptSettings;
  capping: { perHour?: number; perDay?: number };
  identityVerification: 'required' | 'off';
  vapidPublicKey: string;
}

export interface Organization {
  id: string;
  name: string;
  sites: Site[];
}

export interface Subscriber {
  id: string;
  siteId: string;
  categories: string[];
  timezone: string | null;
  language: string | null;
  externalId: string | null;
  createdAt: string;
  lastSeenAt: string | null;
}

export type Step =
  | { wait: string }
  | { unless: { event: string; where?: Record<string, unknown> } }
  | { send: { campaignId: string; messageId?: string } }
  | { addTo: string }
  | { removeFrom: string };

export interface Trigger {
  id: string;
  name: string;
  on: { event: string; where?: Record<string, unknown> };
  steps: Step[];
  active: boolean;
  stats: Record<string, number>;
}

export interface TeamMember {
  id: string;
  email: string;
  role: Role;
}

export interface ApiKey {
  id: string;
  name: string | null;
  /** The key's first characters, to tell keys apart (never the key). */
  prefix?: string;
  createdAt?: string;
  lastUsedAt?: string | null;
}

/** `GET /v1/subscribers/{id}/activity`: newest first. */
export interface SubscriberActivity {
  events: Array<{
    id: string;
    type: 'page' | 'track' | 'identify';
    name: string | null;
    occurredAt: string;
    receivedAt: string;
    properties: Record<string, unknown>;
  }>;
  pushes: Array<{
    deliveryId: string;
    notificationId: string;
    campaignId: string;
    messageId: string;
    status: 'queued' | 'delivered' | 'failed' | 'expired' | 'capped' | 'cancelled';
    lastError: string | null;
    createdAt: string;
    sentAt: string | null;
    finishedAt: string | null;
    receipts: { shown: string | null; clicked: string | null; closed: string | null };
  }>;
}
