import type { Kysely } from 'kysely';
import type { ReceiptKind } from '../wire.ts';
import type { StatIncrement } from './campaigns.ts';
import type { Database } from './schema.ts';
import type { DeliveryRow } from './deliveries.ts';

export function createReceiptStore(db: Kysely<Database>) {
  return {
    /**
     * When the delivery came to exist, as near as the rows tell: deliveries are written by
     * the fan-out, at or after their notification's creation and send time. Without its
     * notification, the first push request (or `fallback`).
     */
    async deliveryCreatedAt(delivery: DeliveryRow, fallback: number): Promise<number> {
      const row = await db
        .selectFrom('notifications')
        .select(['created_at', 'send_at'])
        .where('id', '=', delivery.notification_id)
        .executeTakeFirst();
      if (!row) return delivery.sent_at ?? fallback;
      return Math.max(Number(row.created_at), Number(row.send_at));
    },

    /**
     * Records one receipt per (delivery, kind); a repeat (a worker retrying after a lost
     * answer) changes nothing. Returns whether it was new.
     */
    async record(
      delivery: DeliveryRow,
      receipt: { kind: ReceiptKind; action: string | null; at: number },
      addStats: (increments: StatIncrement[], trx: Kysely<Database>) => Promise<void>,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .insertInto('receipts')
          .values({
            delivery_id: delivery.id,
            kind: receipt.kind,
            action: receipt.action,
            at: receipt.at,
          })
          .onConflict((oc) => oc.columns(['delivery_id', 'kind']).doNothing())
          .executeTakeFirst();
        const isNew = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
        if (isNew) {
          await addStats(
            [
              {
                workspaceId: delivery.workspace_id,
                campaignId: delivery.campaign_id,
                messageId: delivery.message_id,
                at: receipt.at,
                counts: { [receipt.kind]: 1 },
              },
            ],
            trx,
          );
        }
        return isNew;
      });
    },
  };
}

export type ReceiptStore = ReturnType<typeof createReceiptStore>;
