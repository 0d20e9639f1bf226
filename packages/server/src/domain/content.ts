import type { MessageTranslations, PushPayload } from '../wire.ts';

/**
 * What every delivery of a notification shows; the worker adds the `deliveryId`.
 * `translations` are picked per subscriber (domain/translate.ts) and never sent as such.
 */
export type NotificationContent = Omit<PushPayload, 'deliveryId'> & {
  translations?: MessageTranslations;
};

/** A campaign's message: what a push shows (the wire payload's fields) plus its id. */
export type CampaignMessage = Omit<PushPayload, 'deliveryId' | 'data' | 'renotify'> & {
  id: string;
  translations?: MessageTranslations;
};

/** RFC 8030 §5.3 `Urgency`: how soon the push service should wake the device for it. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';
