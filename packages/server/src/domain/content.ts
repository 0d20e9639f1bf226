import type { PushPayload } from '../wire.ts';

/** What every delivery of a notification shows; the worker adds the `deliveryId`. */
export type NotificationContent = Omit<PushPayload, 'deliveryId'>;

/** A campaign's message: what a push shows (the wire payload's fields) plus its id. */
export type CampaignMessage = Omit<PushPayload, 'deliveryId' | 'data' | 'renotify'> & {
  id: string;
};

/** RFC 8030 §5.3 `Urgency`: how soon the push service should wake the device for it. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';
