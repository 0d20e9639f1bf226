import { describe, expect, it } from 'vitest';
import { deliveryPayload, MAX_PAYLOAD_BYTES, payloadFor } from './payload.ts';

const ORIGIN = 'https://shop.example';

describe('payloadFor', () => {
  it("is WebKit's declarative shape: navigate absolute with bk_d, Beckon's fields in data", () => {
    const payload = JSON.parse(
      payloadFor(
        {
          title: 'Back in stock',
          body: 'The blue mug',
          url: '/mugs/blue?ref=push',
          icon: 'https://cdn.example/i.png',
          tag: 'stock',
          actions: [{ action: 'buy', title: 'Buy', url: '/cart' }],
          requireInteraction: true,
        },
        'dlv_1',
        ORIGIN,
      ),
    );
    expect(payload).toEqual({
      web_push: 8030,
      notification: {
        title: 'Back in stock',
        body: 'The blue mug',
        navigate: 'https://shop.example/mugs/blue?ref=push&bk_d=dlv_1',
        tag: 'stock',
        data: {
          deliveryId: 'dlv_1',
          url: '/mugs/blue?ref=push',
          icon: 'https://cdn.example/i.png',
          actions: [{ action: 'buy', title: 'Buy', url: '/cart' }],
          requireInteraction: true,
        },
      },
      mutable: true,
    });
  });

  it("navigates to the site's root without a URL, and nowhere without an origin", () => {
    const rooted = JSON.parse(payloadFor({ title: 'T', body: '' }, 'dlv_2', ORIGIN));
    expect(rooted.notification.navigate).toBe('https://shop.example/?bk_d=dlv_2');
    expect(rooted.notification).not.toHaveProperty('body');
    const nowhere = JSON.parse(payloadFor({ title: 'T', body: 'b', url: '/x' }, 'dlv_3'));
    expect(nowhere.notification).not.toHaveProperty('navigate');
    expect(nowhere.notification.data.url).toBe('/x');
  });
});

describe('deliveryPayload', () => {
  it('gives the JSON with the delivery id when it fits', () => {
    const result = deliveryPayload({ title: 'Hi', body: 'there' }, 'dlv_1', ORIGIN);
    expect(result.ok && JSON.parse(result.payload).notification.data.deliveryId).toBe('dlv_1');
  });

  it('refuses a payload over 3,993 bytes, counting UTF-8 bytes, not characters', () => {
    const fits = 'é'.repeat(1900); // 3,800 bytes in UTF-8
    expect(deliveryPayload({ title: 'T', body: fits }, 'dlv_1', ORIGIN).ok).toBe(true);
    const over = 'é'.repeat(2000); // 4,000 bytes
    expect(deliveryPayload({ title: 'T', body: over }, 'dlv_1', ORIGIN)).toEqual({
      ok: false,
      reason: 'payload too large',
    });
    const frame = Buffer.byteLength(payloadFor({ title: '', body: 'b' }, 'd', ORIGIN)) - 1;
    const exact = 'x'.repeat(MAX_PAYLOAD_BYTES - frame);
    expect(deliveryPayload({ title: '', body: exact }, 'd', ORIGIN).ok).toBe(true);
    expect(deliveryPayload({ title: '', body: `${exact}x` }, 'd', ORIGIN).ok).toBe(false);
  });
});
