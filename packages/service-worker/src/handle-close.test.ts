import { describe, expect, it } from 'vitest';
import type { Receipt } from '../../server/src/wire.ts';
import { handleClose } from './handle-close.ts';

describe('handleClose', () => {
  const deps = (receipts: Receipt[]) => ({
    receipt: async (r: Receipt) => receipts.push(r),
    now: () => new Date(Date.UTC(2025, 4, 14, 7, 30)),
  });

  it('sends the closed receipt', async () => {
    const receipts: Receipt[] = [];
    await handleClose({ data: { deliveryId: 'd1', actions: [] } }, deps(receipts));
    expect(receipts).toEqual([
      { deliveryId: 'd1', kind: 'closed', at: '2025-05-14T07:30:00.000Z' },
    ]);
  });

  it('sends nothing for a notification that is not ours', async () => {
    const receipts: Receipt[] = [];
    await handleClose({ data: null }, deps(receipts));
    expect(receipts).toEqual([]);
  });
});
