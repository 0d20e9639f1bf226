import type { SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.ts';

/** A subscriber as a fan-out reads it from a target (targeting.ts and its snapshots). */
export interface TargetRow {
  id: string;
  site_id: string;
  /** For quiet hours: deliveries wait for the window in the subscriber's own time. */
  timezone: string | null;
}

export type SubscriberQuery = SelectQueryBuilder<Database, 'subscribers', TargetRow>;
