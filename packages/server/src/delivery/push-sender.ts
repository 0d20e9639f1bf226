import webpush from 'web-push';
import type { Urgency } from '../storage/notifications.ts';
import type { PushTransport } from './push-transport.ts';
import type { VapidCache, VapidKeys } from './vapid-cache.ts';

export interface PushMessage {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  payload: string;
  vapid: VapidKeys;
  ttlSeconds: number;
  urgency: Urgency;
  topic: string | null;
}

/**
 * Encrypts (RFC 8291 aes128gcm, by `web-push`) and sends one message with the cached
 * VAPID header (RFC 8292) and the TTL / Urgency / Topic headers of RFC 8030 §5.2–5.4.
 */
export function createPushSender(deps: { transport: PushTransport; vapid: VapidCache }) {
  return {
    async send(message: PushMessage) {
      const audience = new URL(message.subscription.endpoint).origin;
      const details = webpush.generateRequestDetails(message.subscription, message.payload, {
        // Passing our own Authorization and no vapidDetails keeps web-push from signing.
        vapidDetails: null as unknown as undefined,
        headers: { Authorization: deps.vapid.header(message.vapid, audience) },
        TTL: message.ttlSeconds,
        urgency: message.urgency,
        ...(message.topic && { topic: message.topic }),
        contentEncoding: 'aes128gcm',
      });
      return deps.transport.send({
        endpoint: details.endpoint,
        headers: details.headers as Record<string, string | number>,
        body: (details.body as Buffer | null) ?? null,
      });
    },
  };
}

export type PushSender = ReturnType<typeof createPushSender>;
