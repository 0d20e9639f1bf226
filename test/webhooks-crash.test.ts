import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/beckon.ts';
import { startCliFanOut } from './support/cli-fan-out.ts';
import { DIALECTS, testDatabase, type TestDatabase } from './support/databases.ts';
import { spawnBeckon, waitForExit } from './support/process.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';
import { createWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const SUBSCRIBERS = 200;

/**
 * The outbox is written with the facts: `beckon serve` is killed with SIGKILL mid fan-out and
 * started again, and the receiver still gets each fact exactly once (one `webhook-id` each; a
 * request repeated after the crash carries the same id, as Standard Webhooks has receivers
 * de-duplicate).
 */
describe.each(DIALECTS)('webhooks across kill -9 on %s', (dialect) => {
  let push: LocalPushService;
  let receiver: WebhookReceiver;
  let database: TestDatabase;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    push = await createLocalPushService();
    receiver = await createWebhookReceiver();
    database = testDatabase(dialect);
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    await push.close();
    await receiver.close();
    await database.drop();
  });

  it('delivers every event once after kill -9 mid fan-out', async () => {
    const env = {
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: push.origin,
      BECKON_WEBHOOK_ORIGINS_ALLOW: receiver.origin,
      BECKON_LEASE_MS: '1500',
      BECKON_POLL_MS: '100',
    };
    const fanOut = await startCliFanOut({
      env,
      push,
      subscribers: SUBSCRIBERS,
      firstPushes: 40,
      async beforeSubscribe(api) {
        const res = await api('/v1/webhooks', {
          url: receiver.url,
          events: [
            'subscriber.created',
            'delivery.sent',
            'delivery.delivered',
            'notification.finished',
          ],
        });
        expect(res.status).toBe(201);
        receiver.useSecret(((await res.json()) as { secret: string }).secret);
      },
    });
    server = fanOut.server;
    server.kill('SIGKILL');
    await waitForExit(server);
    const beforeCrash = receiver.ofType('delivery.delivered').length;
    expect(beforeCrash).toBeLessThan(SUBSCRIBERS);

    push.respondWith('*', { delayMs: 0 });
    server = await spawnBeckon('serve', env, fanOut.port);
    await eventually(async () => receiver.ofType('notification.finished').length === 1, {
      what: `notification.finished (delivered events so far: ${receiver.ofType('delivery.delivered').length})`,
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    await eventually(async () => receiver.ofType('delivery.delivered').length >= SUBSCRIBERS, {
      what: 'every delivery.delivered',
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.invalid).toEqual([]);
    const once = (type: string, key: string) => {
      const events = receiver.ofType(type);
      expect(new Set(events.map((e) => e.data[key])).size, type).toBe(SUBSCRIBERS);
      expect(events, type).toHaveLength(SUBSCRIBERS);
    };
    once('subscriber.created', 'subscriberId');
    once('delivery.sent', 'deliveryId');
    once('delivery.delivered', 'deliveryId');
    expect(receiver.ofType('notification.finished')[0]!.data).toMatchObject({
      notificationId: fanOut.notificationId,
      status: 'sent',
      counts: { delivered: SUBSCRIBERS },
    });
  }, 180_000);
});
