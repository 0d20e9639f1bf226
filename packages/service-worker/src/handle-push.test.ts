import { describe, expect, it, vi } from 'vitest';
import type { Receipt } from '../../server/src/wire.ts';
import { handlePush, type PushDeps } from './handle-push.ts';
import { deferred } from './test-fakes.ts';

const NOW = new Date(Date.UTC(2025, 4, 14, 7, 30));

const setup = (show: PushDeps['registration']['showNotification']) => {
  const receipts: Receipt[] = [];
  const deps: PushDeps = {
    registration: { showNotification: vi.fn(show) },
    receipt: async (r) => receipts.push(r),
    now: () => NOW,
    fallbackTitle: 'shop.example',
  };
  return { deps, receipts };
};

describe('handlePush', () => {
  it('sends the shown receipt only after showNotification has resolved', async () => {
    const shown = deferred();
    const { deps, receipts } = setup(() => shown.promise);
    const done = handlePush(JSON.stringify({ deliveryId: 'd1', title: 'Hi', body: 'There' }), deps);

    await new Promise((res) => setTimeout(res, 0));
    expect(deps.registration.showNotification).toHaveBeenCalledWith(
      'Hi',
      expect.objectContaining({
        body: 'There',
        data: expect.objectContaining({ deliveryId: 'd1' }),
      }),
    );
    expect(receipts).toEqual([]);

    shown.resolve();
    await done;
    expect(receipts).toEqual([{ deliveryId: 'd1', kind: 'shown', at: '2025-05-14T07:30:00.000Z' }]);
  });

  it('shows a payload that is not JSON, without a receipt and without throwing', async () => {
    const { deps, receipts } = setup(async () => {});
    await expect(handlePush('plain text', deps)).resolves.toBeUndefined();
    expect(deps.registration.showNotification).toHaveBeenCalledWith(
      'plain text',
      expect.anything(),
    );
    expect(receipts).toEqual([]);
  });

  it('falls back to title and body when the browser refuses the full options', async () => {
    const { deps, receipts } = setup(async (_title, options) => {
      if (options && 'actions' in options) throw new TypeError('bad actions');
    });
    await handlePush(
      JSON.stringify({ deliveryId: 'd1', title: 'Hi', body: 'B', actions: [] }),
      deps,
    );
    expect(deps.registration.showNotification).toHaveBeenLastCalledWith('Hi', {
      body: 'B',
      data: { deliveryId: 'd1', url: undefined, actions: [] },
    });
    expect(receipts).toHaveLength(1);
  });

  it('sends no shown receipt when nothing could be shown', async () => {
    const { deps, receipts } = setup(() => Promise.reject(new TypeError('permission revoked')));
    await expect(handlePush('{"deliveryId":"d1","title":"Hi"}', deps)).rejects.toThrow(
      'permission revoked',
    );
    expect(receipts).toEqual([]);
  });
});
