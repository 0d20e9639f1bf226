import type { Selectable } from 'kysely';
import type { Lane } from '../domain/lane.ts';
import type { DeliveryTable } from './schema.ts';

/** The shapes deliveries.ts reads and writes, in a leaf module (delivery-events.ts needs them too). */
export type DeliveryRow = Selectable<DeliveryTable>;

export interface NewDelivery {
  id: string;
  notificationId: string;
  workspaceId: string;
  subscriberId: string;
  siteId: string;
  campaignId: string;
  messageId: string;
  status: 'queued' | 'capped';
  nextAttemptAt: number;
  expiresAt: number;
  /** Sent with ignoreCapping: caps did not apply, and the count says so. */
  cappingIgnored?: boolean;
  /** Default `bulk`; `express` rows are claimed first (domain/lane.ts). */
  lane?: Lane;
  /**
   * Written already leased (as a claim would: its first attempt) to the process that writes
   * it, which sends it without a claim; its lease runs out like a claim's if that process dies.
   */
  leaseUntil?: number;
}

/** What happened to one claimed delivery, decided by the worker. */
export type DeliveryResult =
  | { kind: 'delivered'; requested: true }
  | { kind: 'failed'; reason: string; requested: boolean; deleteSubscriber?: boolean }
  | { kind: 'expired'; requested: boolean }
  | { kind: 'capped'; requested: false }
  /** Its notification was cancelled: no request is made now (`requested`: one was before). */
  | { kind: 'cancelled'; requested: boolean }
  /** `requested: false`: no push request was made (the worker failed before sending). */
  | { kind: 'retry'; at: number; reason: string; requested?: boolean }
  /**
   * Not sent, because this worker is shutting down: only the lease is given back, so another
   * worker claims it at once (no lease timeout). Its cap slot stays: a later claim counts as
   * a reclaim (attempts > 1) and keeps it rather than logging a second.
   */
  | { kind: 'released' };
