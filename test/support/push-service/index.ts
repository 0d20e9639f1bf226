/**
 * A local stand-in for FCM / Mozilla autopush: a strict RFC 8030 push service that verifies VAPID
 * (RFC 8292), decrypts every payload (RFC 8291) and records what it accepted, for integration
 * tests, benchmarks and demos.
 */
import { ANY_SUBSCRIBER, createBehaviourTable } from './behaviours.ts';
import { createSampledDecrypt, decryptPushBody } from './decrypt.ts';
import { createPushHandler } from './handle-push.ts';
import { createMessageLog } from './message-log.ts';
import { startServer } from './server.ts';
import { createSubscriberRegistry } from './subscriber-registry.ts';
import { createSelfSignedCertificate } from './tls-cert.ts';
import type { LocalHttpsPushService, LocalPushService, LocalPushServiceOptions } from './types.ts';
import { createVapidVerifier } from './vapid-verify.ts';

export type * from './types.ts';

/**
 * Starts a push service on a free port.
 *
 * @example
 * const service = await createLocalPushService();
 * const subscriber = service.createSubscriber(); // { endpoint, keys } as PushSubscription.toJSON() gives
 * await webpush.sendNotification(subscriber, 'hi', { vapidDetails, TTL: 60 }); // https, or build with generateRequestDetails + fetch
 * const [message] = await service.waitForMessages(1);
 * expect(message?.payload).toBe('hi');
 * await service.close();
 */
export function createLocalPushService(
  options: LocalPushServiceOptions & { protocol: 'https' },
): Promise<LocalHttpsPushService>;
export function createLocalPushService(
  options?: LocalPushServiceOptions,
): Promise<LocalPushService>;
export async function createLocalPushService(
  options: LocalPushServiceOptions = {},
): Promise<LocalPushService> {
  const protocol = options.protocol ?? 'http';
  const host = options.host ?? '127.0.0.1';
  const tls = protocol === 'https' ? await createSelfSignedCertificate(host) : undefined;
  const server = await startServer({
    protocol,
    host,
    port: options.port ?? 0,
    tls,
  });
  const { origin } = server;

  const registry = createSubscriberRegistry(origin);
  const behaviours = createBehaviourTable();
  const log = createMessageLog();
  const handler = createPushHandler({
    origin,
    registry,
    behaviours,
    log,
    checks: {
      verifyVapid: createVapidVerifier({ audience: origin }),
      decrypt:
        (options.decryptEvery ?? 1) === 1
          ? decryptPushBody
          : createSampledDecrypt(options.decryptEvery ?? 1),
    },
    onMessage: options.onMessage,
    onRejected: options.onRejected,
  });
  server.serve(handler.handle);

  let closing: Promise<void> | undefined;

  return {
    origin,
    ca: tls?.cert,
    messages: log.messages,
    attempts: log.attempts,
    rejected: log.rejected,
    createSubscriber: () => registry.create(),
    createSubscribers: (count) => registry.createMany(count),
    registerSubscriber: (input) => registry.register(input),
    waitForMessages: (count, waitOptions) => log.waitFor(count, waitOptions),
    respondWith(target, behaviour) {
      if (target === ANY_SUBSCRIBER) return behaviours.add(ANY_SUBSCRIBER, behaviour);
      const id = registry.idOf(target);
      // A typo'd target would otherwise script nothing, silently.
      if (!registry.get(id))
        throw new Error(`respondWith: no subscriber ${JSON.stringify(target)}`);
      behaviours.add(id, behaviour);
    },
    reset() {
      log.reset();
      behaviours.clear();
    },
    stats() {
      const { opened, open } = server.connections();
      return {
        subscribers: registry.size,
        messages: log.messages.length,
        attempts: log.attempts.length,
        rejected: log.rejected.length,
        connections: opened,
        openConnections: open,
      };
    },
    close() {
      closing ??= (async () => {
        log.close();
        handler.cancelPending();
        await server.close();
      })();
      return closing;
    },
  };
}

/**
 * The notification a decrypted payload asks for, as flat fields: Beckon sends WebKit's
 * Declarative Web Push shape (`{web_push: 8030, notification: {…, data: {deliveryId, …}}}`),
 * and most tests care about the title, body, URL and delivery id only.
 *
 * @example expect(pushed(message.payload).title).toBe('Hello');
 */
export function pushed(payload: string): PushedNotification {
  const message = JSON.parse(payload) as {
    web_push?: number;
    notification?: { data?: Record<string, unknown> } & Record<string, unknown>;
  };
  if (message.web_push !== 8030 || !message.notification) {
    throw new Error(`not a declarative push: ${payload.slice(0, 200)}`);
  }
  const { data = {}, ...notification } = message.notification;
  return { ...notification, ...data } as PushedNotification;
}

export interface PushedNotification {
  deliveryId: string;
  title: string;
  body?: string;
  url?: string;
  navigate?: string;
  [field: string]: unknown;
}
