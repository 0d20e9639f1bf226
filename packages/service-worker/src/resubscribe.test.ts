import { describe, expect, it, vi } from 'vitest';
import {
  ENDPOINT,
  handleSubscriptionChange,
  rememberEndpoint,
  type ResubscribeDeps,
} from './resubscribe.ts';
import { fakeFetch, memoryMeta, type Call } from './test-fakes.ts';

const config = { site: 'pk_1', api: 'https://push.example' };
const KEY = new Uint8Array([4, 1, 2, 3]);

const fakeSubscription = (endpoint: string, applicationServerKey: ArrayBuffer | null = null) =>
  ({
    endpoint,
    options: { applicationServerKey, userVisibleOnly: true },
    toJSON: () => ({ endpoint, keys: { p256dh: 'p', auth: 'a' } }),
  }) as unknown as PushSubscription;

const setup = (meta = memoryMeta(), reply?: (c: Call) => number | object | Error) => {
  const net = fakeFetch(reply);
  const subscribe = vi.fn(async () => fakeSubscription('https://push.example/new'));
  const deps: ResubscribeDeps = {
    pushManager: { subscribe },
    fetch: net.fetch as unknown as ResubscribeDeps['fetch'],
    config,
    meta,
    timezone: 'Europe/Paris',
    language: 'fr-FR',
  };
  return { deps, net, subscribe, meta };
};

describe('handleSubscriptionChange', () => {
  it("re-subscribes with the old subscription's key and posts the new one with oldEndpoint", async () => {
    const { deps, net, subscribe, meta } = setup();
    await handleSubscriptionChange(
      { oldSubscription: fakeSubscription('https://push.example/old', KEY.buffer) },
      deps,
    );

    expect(subscribe).toHaveBeenCalledWith({
      userVisibleOnly: true,
      applicationServerKey: KEY.buffer,
    });
    expect(net.calls).toEqual([
      {
        url: 'https://push.example/v1/sites/pk_1/subscriptions',
        method: 'POST',
        body: {
          subscription: { endpoint: 'https://push.example/new', keys: { p256dh: 'p', auth: 'a' } },
          oldEndpoint: 'https://push.example/old',
          timezone: 'Europe/Paris',
          language: 'fr-FR',
        },
      },
    ]);
    expect(meta.data[ENDPOINT]).toBe('https://push.example/new');
  });

  it("fetches the site's VAPID key without an old subscription, and names the remembered endpoint", async () => {
    const { deps, net, subscribe } = setup(
      memoryMeta({ [ENDPOINT]: 'https://push.example/seen' }),
      (c) => (c.url.endsWith('/config') ? { vapidPublicKey: 'BAECAw' } : 201),
    );
    await handleSubscriptionChange({ oldSubscription: null }, deps);

    expect(net.calls[0]!.url).toBe('https://push.example/v1/sites/pk_1/config');
    const [[options]] = subscribe.mock.calls as unknown as [[PushSubscriptionOptionsInit]];
    expect([...(options.applicationServerKey as Uint8Array)]).toEqual([4, 1, 2, 3]);
    expect(net.calls[1]!.body).toMatchObject({ oldEndpoint: 'https://push.example/seen' });
  });

  it('uses the new subscription the event carries without subscribing again', async () => {
    const { deps, net, subscribe } = setup();
    await handleSubscriptionChange(
      {
        oldSubscription: fakeSubscription('https://push.example/old'),
        newSubscription: fakeSubscription('https://push.example/given'),
      },
      deps,
    );
    expect(subscribe).not.toHaveBeenCalled();
    expect(net.calls[0]!.body).toMatchObject({
      subscription: { endpoint: 'https://push.example/given' },
    });
  });

  it('rejects when the server refuses, keeping the old endpoint remembered', async () => {
    const { deps, meta } = setup(
      memoryMeta({ [ENDPOINT]: 'https://push.example/seen' }),
      () => 500,
    );
    await expect(
      handleSubscriptionChange(
        { oldSubscription: fakeSubscription('https://push.example/old', KEY.buffer) },
        deps,
      ),
    ).rejects.toThrow('answered 500');
    expect(meta.data[ENDPOINT]).toBe('https://push.example/seen');
  });
});

describe('rememberEndpoint', () => {
  it('stores the current endpoint, and nothing without a subscription', async () => {
    const meta = memoryMeta();
    await rememberEndpoint({ getSubscription: async () => null }, meta);
    expect(meta.data).toEqual({});
    await rememberEndpoint(
      { getSubscription: async () => fakeSubscription('https://push.example/e1') },
      meta,
    );
    expect(meta.data[ENDPOINT]).toBe('https://push.example/e1');
  });
});
