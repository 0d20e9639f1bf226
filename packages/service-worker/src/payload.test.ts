import { describe, expect, it } from 'vitest';
import type { DeclarativePushPayload, PushPayload } from '../../server/src/wire.ts';
import { toNotification } from './payload.ts';

describe('toNotification', () => {
  it('maps the push payload onto showNotification, keeping action URLs in data', () => {
    const payload: PushPayload = {
      deliveryId: 'd1',
      title: 'Back in stock',
      body: 'The blue one is back.',
      url: 'https://shop.example/p/1',
      icon: '/i.png',
      image: '/big.png',
      badge: '/b.png',
      actions: [{ action: 'buy', title: 'Buy now', url: 'https://shop.example/cart?add=1' }],
      tag: 'stock',
      renotify: true,
      requireInteraction: true,
    };
    expect(toNotification(JSON.stringify(payload), 'shop.example')).toEqual({
      title: 'Back in stock',
      options: {
        body: 'The blue one is back.',
        icon: '/i.png',
        image: '/big.png',
        badge: '/b.png',
        tag: 'stock',
        renotify: true,
        requireInteraction: true,
        actions: [{ action: 'buy', title: 'Buy now' }],
        data: { deliveryId: 'd1', url: 'https://shop.example/p/1', actions: payload.actions },
      },
    });
  });

  it('reads the declarative shape: notification members, Beckon fields from data', () => {
    const payload: DeclarativePushPayload = {
      web_push: 8030,
      notification: {
        title: 'Back in stock',
        body: 'The blue one is back.',
        navigate: 'https://shop.example/p/1?bk_d=d1',
        lang: 'de',
        tag: 'stock',
        data: {
          deliveryId: 'd1',
          url: '/p/1',
          icon: '/i.png',
          actions: [{ action: 'buy', title: 'Buy now', url: '/cart' }],
          requireInteraction: true,
        },
      },
      mutable: true,
    };
    expect(toNotification(JSON.stringify(payload), 'shop.example')).toEqual({
      title: 'Back in stock',
      options: {
        body: 'The blue one is back.',
        lang: 'de',
        icon: '/i.png',
        tag: 'stock',
        renotify: false,
        requireInteraction: true,
        actions: [{ action: 'buy', title: 'Buy now' }],
        // The worker opens the URL without bk_d: its own receipt counts the click.
        data: { deliveryId: 'd1', url: '/p/1', actions: payload.notification.data.actions },
      },
    });
  });

  it("opens a declarative message's navigate when its data names no URL", () => {
    const text = JSON.stringify({
      web_push: 8030,
      notification: { title: 'Hi', navigate: 'https://other.example/', data: {} },
    });
    expect(toNotification(text, 'shop.example').options.data.url).toBe('https://other.example/');
  });

  it('shows the text of a payload that is not JSON as the title', () => {
    const { title, options } = toNotification('Hello {there', 'shop.example');
    expect(title).toBe('Hello {there');
    expect(options.data).toEqual({ deliveryId: undefined, url: undefined, actions: [] });
  });

  it('shows a JSON string as the title and falls back to the host for an empty push', () => {
    expect(toNotification('"Sale!"', 'shop.example').title).toBe('Sale!');
    expect(toNotification(undefined, 'shop.example').title).toBe('shop.example');
    expect(toNotification('', 'shop.example').title).toBe('shop.example');
    expect(toNotification('null', 'shop.example').title).toBe('null');
    expect(toNotification('{"body":"no title"}', 'shop.example')).toMatchObject({
      title: 'shop.example',
      options: { body: 'no title' },
    });
  });

  it('sets renotify only with a tag, which Chrome requires', () => {
    expect(toNotification('{"title":"t","renotify":true}', 'x').options.renotify).toBe(false);
  });

  it('ignores fields of the wrong type and malformed actions', () => {
    const { options } = toNotification(
      JSON.stringify({
        title: 't',
        icon: 5,
        actions: [null, { action: 'a' }, { action: 'ok', title: 'OK', url: '/ok' }],
      }),
      'x',
    );
    expect(options.icon).toBeUndefined();
    expect(options.actions).toEqual([{ action: 'ok', title: 'OK' }]);
  });
});
