import { describe, expect, it, vi } from 'vitest';
import type { Receipt } from '../../server/src/wire.ts';
import { clickUrl, handleClick, type ClickDeps } from './handle-click.ts';
import type { NotificationData } from './payload.ts';

const NOW = new Date(Date.UTC(2025, 4, 14, 7, 30));
const BASE = 'https://shop.example/';
const data: NotificationData = {
  deliveryId: 'd1',
  url: 'https://shop.example/p/1',
  actions: [{ action: 'cart', title: 'Cart', url: '/cart' }],
};

const setup = (
  windows: { url: string }[] = [],
  openWindow: ClickDeps['clients']['openWindow'] = async () => null,
) => {
  const receipts: Receipt[] = [];
  const focused: string[] = [];
  const clients = {
    matchAll: vi.fn(async () =>
      windows.map((w) => ({ ...w, focus: async () => void focused.push(w.url) })),
    ),
    openWindow: vi.fn(openWindow),
  };
  const deps = {
    clients: clients as unknown as ClickDeps['clients'],
    receipt: async (r: Receipt) => receipts.push(r),
    now: () => NOW,
    base: BASE,
  };
  const notification = { data, close: vi.fn() };
  return { deps, clients, receipts, focused, notification };
};

describe('handleClick', () => {
  it('closes the notification, opens its URL and sends the clicked receipt', async () => {
    const { deps, clients, receipts, notification } = setup();
    await handleClick(notification, '', deps);
    expect(notification.close).toHaveBeenCalled();
    expect(clients.openWindow).toHaveBeenCalledWith('https://shop.example/p/1');
    expect(receipts).toEqual([
      { deliveryId: 'd1', kind: 'clicked', at: '2025-05-14T07:30:00.000Z' },
    ]);
  });

  it("opens the clicked action's URL and names the action in the receipt", async () => {
    const { deps, clients, receipts, notification } = setup();
    await handleClick(notification, 'cart', deps);
    expect(clients.openWindow).toHaveBeenCalledWith('https://shop.example/cart');
    expect(receipts[0]).toMatchObject({ kind: 'clicked', action: 'cart' });
  });

  it('focuses a window already showing the URL instead of opening another', async () => {
    const { deps, clients, focused, notification } = setup([
      { url: 'https://shop.example/' },
      { url: data.url! },
    ]);
    await handleClick(notification, '', deps);
    expect(focused).toEqual([data.url]);
    expect(clients.openWindow).not.toHaveBeenCalled();
  });

  it('records the click even when the browser refuses to open a window', async () => {
    const { deps, receipts, notification } = setup([], () =>
      Promise.reject(new TypeError('Not allowed to open a window.')),
    );
    await handleClick(notification, '', deps);
    expect(receipts).toHaveLength(1);
  });

  it('opens nothing for a notification without a URL, and still records the click', async () => {
    const { deps, clients, receipts } = setup();
    await handleClick({ data: { deliveryId: 'd2', actions: [] }, close() {} }, '', deps);
    expect(clients.matchAll).not.toHaveBeenCalled();
    expect(clients.openWindow).not.toHaveBeenCalled();
    expect(receipts).toMatchObject([{ deliveryId: 'd2', kind: 'clicked' }]);
  });
});

describe('clickUrl', () => {
  it('falls back to the notification URL for an unknown action, and resolves relative URLs', () => {
    expect(clickUrl(data, 'nope', BASE)).toBe('https://shop.example/p/1');
    expect(clickUrl({ url: 'sale' }, '', 'https://shop.example/blog/')).toBe(
      'https://shop.example/blog/sale',
    );
    expect(clickUrl(undefined, '', BASE)).toBeUndefined();
  });

  it('opens only http(s): javascript:, data: and unparsable URLs open the site root instead', () => {
    const base = 'https://shop.example/push/';
    for (const url of [
      'javascript:alert(document.cookie)',
      ' JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'blob:https://shop.example/1',
      'file:///etc/passwd',
      'http://[::1',
    ]) {
      expect(clickUrl({ url }, '', base), url).toBe('https://shop.example/');
    }
    expect(
      clickUrl(
        { url: '/', actions: [{ action: 'x', title: 'X', url: 'javascript:1' }] },
        'x',
        base,
      ),
    ).toBe('https://shop.example/');
    expect(clickUrl({ url: 'http://shop.example/a' }, '', base)).toBe('http://shop.example/a');
  });
});

describe('handleClick with an unsafe URL', () => {
  it('never passes a javascript: URL to openWindow', async () => {
    const { deps, clients, receipts } = setup();
    await handleClick(
      { data: { deliveryId: 'd3', url: 'javascript:alert(1)', actions: [] }, close() {} },
      '',
      deps,
    );
    expect(clients.openWindow).toHaveBeenCalledWith('https://shop.example/');
    expect(receipts).toMatchObject([{ deliveryId: 'd3', kind: 'clicked' }]);
  });
});
