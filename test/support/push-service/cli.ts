/**
 * Runs the local push service on its own for demos:
 *
 *   npx tsx test/support/push-service/cli.ts [--port 9999] [--host 127.0.0.1] [--https] [--subscribers 1]
 *     [--decrypt-every 1]
 *
 * Prints the origin and ready-made subscriptions, then one line per message received or refused.
 */
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLocalPushService } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    https: { type: 'boolean', default: false },
    subscribers: { type: 'string', default: '1' },
    'decrypt-every': { type: 'string', default: '1' },
  },
});

const port = Number(values.port);
const subscriberCount = Number(values.subscribers);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port: not a port: ${values.port}`);
if (!Number.isInteger(subscriberCount) || subscriberCount < 0)
  throw new Error('--subscribers: not a count');
const decryptEvery = Number(values['decrypt-every']);

const time = (): string => new Date().toISOString().slice(11, 23);
const service = await createLocalPushService({
  protocol: values.https ? 'https' : 'http',
  host: values.host,
  port,
  decryptEvery,
  onMessage: (m) =>
    console.log(
      `${time()} 201 ${m.subscriberId} ttl=${m.headers.ttl} ${JSON.stringify(m.payload)}`,
    ),
  onRejected: (r) => console.log(`${time()} ${r.status} ${r.endpoint} ${r.reason}`),
});

console.log(`Local push service on ${service.origin}`);
const caPath = service.ca ? join(tmpdir(), `beckon-push-service-${process.pid}.pem`) : undefined;
if (caPath && service.ca) {
  await writeFile(caPath, service.ca);
  console.log(`Self-signed certificate; trust it with NODE_EXTRA_CA_CERTS=${caPath}`);
}
console.log(`VAPID aud must be ${service.origin}. Subscriptions:`);
for (const subscriber of service.createSubscribers(subscriberCount)) {
  console.log(
    JSON.stringify({ endpoint: subscriber.endpoint, expirationTime: null, keys: subscriber.keys }),
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const removeCa = caPath ? rm(caPath, { force: true }) : undefined;
    void Promise.allSettled([service.close(), removeCa]).then(() => process.exit(0));
  });
}
