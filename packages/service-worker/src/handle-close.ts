import type { Receipt } from '../../server/src/wire.ts';
import type { NotificationData } from './payload.ts';

export interface CloseDeps {
  receipt(r: Receipt): Promise<unknown>;
  now(): Date;
}

/**
 * `notificationclose`: the visitor dismissed it; sends the `closed` receipt.
 *
 * @example event.waitUntil(handleClose(event.notification, deps))
 */
export async function handleClose(
  notification: Pick<Notification, 'data'>,
  deps: CloseDeps,
): Promise<void> {
  const deliveryId = (notification.data as Partial<NotificationData> | undefined)?.deliveryId;
  if (deliveryId) await deps.receipt({ deliveryId, kind: 'closed', at: deps.now().toISOString() });
}
