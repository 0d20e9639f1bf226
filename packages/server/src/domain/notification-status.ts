/** What `GET /v1/notifications/{id}` says a notification is doing (API.md "Notifications"). */
export type NotificationStatus = 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'failed';

export const NOTIFICATION_STATUSES = [
  'scheduled',
  'sending',
  'sent',
  'cancelled',
  'failed',
] as const satisfies readonly NotificationStatus[];

/**
 * A notification's status from its cancel flag, its fan-out job (absent once the retention job
 * pruned it, long after it finished) and how many deliveries are still queued. Pure; the SQL
 * filter in storage/notification-list.ts mirrors it.
 *
 * @example notificationStatus({ cancelled: false, sendAt: 2 }, { status: 'queued' }, 0, 1) // 'scheduled'
 */
export function notificationStatus(
  notification: { cancelled: boolean; sendAt: number },
  job: { status: string } | undefined,
  queued: number,
  now: number,
): NotificationStatus {
  if (notification.cancelled) return 'cancelled';
  if (job?.status === 'failed') return 'failed';
  if (job?.status === 'queued' && notification.sendAt > now) return 'scheduled';
  if ((job !== undefined && job.status !== 'succeeded') || queued > 0) return 'sending';
  return 'sent';
}

/** Finished notifications cannot be cancelled: nothing is left to stop (409). */
export const isFinished = (status: NotificationStatus) =>
  status === 'sent' || status === 'failed' || status === 'cancelled';
