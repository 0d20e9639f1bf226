/**
 * The baseline: what most users write. `web-push`'s `sendNotification` over every
 * subscription, 100 in flight, default options — so it signs a VAPID JWT and decodes the
 * keys for every message. Its own process, so it has a whole core as it would in an app.
 *
 * The agent only adds the local push service's CA; keep-alive is on as in Node 20's
 * global agent, which is what `sendNotification` uses when given no agent.
 */
import https from 'node:https';
import webpush, { type PushSubscription } from 'web-push';
import { answerCalls } from './ipc.ts';

export const handlers = {
  async run(input: {
    ca: string;
    subscriptions: PushSubscription[];
    payload: string;
    inFlight: number;
  }) {
    const agent = new https.Agent({ keepAlive: true, ca: input.ca });
    const keys = webpush.generateVAPIDKeys();
    const vapidDetails = { subject: 'mailto:bench@beckon.example', ...keys };
    // Not timed: opens the keep-alive connections and warms the JIT, as a running app has.
    await Promise.all(
      input.subscriptions
        .slice(0, input.inFlight)
        .map((s) => webpush.sendNotification(s, input.payload, { vapidDetails, agent })),
    );
    let next = 0;
    let failed = 0;
    const started = performance.now();
    async function lane() {
      while (next < input.subscriptions.length) {
        const subscription = input.subscriptions[next++] as PushSubscription;
        try {
          await webpush.sendNotification(subscription, input.payload, { vapidDetails, agent });
        } catch {
          failed += 1;
        }
      }
    }
    await Promise.all(Array.from({ length: input.inFlight }, lane));
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    return { messages: input.subscriptions.length, failed, seconds };
  },
  close() {
    setImmediate(() => process.exit(0));
  },
};

answerCalls(handlers);
