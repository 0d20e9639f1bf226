import type { Kysely, Migration } from 'kysely';

/**
 * Notification list and cancel: `GET /v1/notifications` reads a workspace's notifications
 * newest first (`created_at DESC, id DESC`, the cursor's order), so that read walks an index
 * instead of sorting every notification the workspace ever sent. Cancelling needs no column:
 * `notifications.cancelled` exists since the first migration and deliveries take the status
 * `cancelled` in their TEXT `status`.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('notifications_workspace_created')
      .on('notifications')
      .columns(['workspace_id', 'created_at', 'id'])
      .execute();
  },
};
