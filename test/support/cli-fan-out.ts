import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { eventually } from './beckon.ts';
import { freePort, runBeckon, spawnBeckon } from './process.ts';
import type { LocalPushService } from './push-service/index.ts';

export interface CliFanOut {
  server: ChildProcess;
  port: number;
  notificationId: string;
  /** Calls the API of the server on `port` with the new workspace's key. */
  api(path: string, body?: unknown): Promise<Response>;
}

/**
 * A real `beckon serve` (a child process, made by `beckon init`) in the middle of a fan-out:
 * `subscribers` browsers subscribe, a "Sale" campaign goes to everyone while the push service
 * answers slowly, and this resolves once `firstPushes` have arrived — the moment the crash
 * and shutdown tests interrupt it.
 */
export async function startCliFanOut(opts: {
  env: Record<string, string>;
  push: LocalPushService;
  subscribers: number;
  firstPushes: number;
  /** Runs once the server is up, before anyone subscribes (e.g. to add a webhook). */
  beforeSubscribe?: (api: CliFanOut['api']) => Promise<void>;
}): Promise<CliFanOut> {
  const { env, push } = opts;
  const init = JSON.parse(
    await runBeckon(['init', '--json', '--origin', 'https://shop.example'], env),
  ) as { apiKey: string; siteKey: string };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await spawnBeckon('serve', env, port);
  const api = (path: string, body?: unknown) =>
    fetch(base + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  await opts.beforeSubscribe?.(api);
  const subscribers = push.createSubscribers(opts.subscribers);
  for (let i = 0; i < subscribers.length; i += 50) {
    await Promise.all(
      subscribers.slice(i, i + 50).map(async (s) => {
        const res = await fetch(`${base}/v1/sites/${init.siteKey}/subscriptions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ subscription: { endpoint: s.endpoint, keys: s.keys } }),
        });
        expect(res.status).toBe(201);
      }),
    );
  }
  const campaign = (await (
    await api('/v1/campaigns', { name: 'Sale', messages: [{ title: 'Sale', body: 'Now' }] })
  ).json()) as { id: string };

  // Slow answers keep the fan-out in flight long enough to interrupt it in the middle.
  push.respondWith('*', { delayMs: 150 });
  const accepted = await api('/v1/notifications', {
    campaignId: campaign.id,
    target: { all: true },
  });
  expect(accepted.status).toBe(202);
  const { notificationId } = (await accepted.json()) as { notificationId: string };
  await eventually(async () => push.messages.length >= opts.firstPushes, {
    what: 'the first pushes',
    timeoutMs: 30_000,
    intervalMs: 10,
  });
  return { server, port, notificationId, api };
}
