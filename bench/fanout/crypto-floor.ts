/**
 * The crypto floor: the same RFC 8291 encryption the server uses, on one worker thread per
 * core, with nothing else to do. No sender can beat it on this machine; the bench reports
 * the fan-out as a fraction of it.
 */
import { createECDH, randomBytes } from 'node:crypto';
import {
  createEncryptionPool,
  type EncryptItem,
} from '../../packages/server/src/delivery/encryption-pool.ts';

export async function measureCryptoFloor(opts: {
  threads: number;
  messages: number;
  payload: string;
}): Promise<{ msgsPerSecond: number; threads: number; cpuMicrosPerMessage: number }> {
  const pool = createEncryptionPool({ threads: opts.threads });
  const receiver = createECDH('prime256v1');
  const items: EncryptItem[] = Array.from({ length: 256 }, () => ({
    p256dh: receiver.generateKeys('base64url'),
    auth: randomBytes(16).toString('base64url'),
    plaintext: opts.payload,
  }));
  const chunk = (n: number) =>
    Array.from({ length: n }, (_, i) => items[i % items.length] as EncryptItem);
  try {
    await Promise.all(Array.from({ length: opts.threads * 4 }, () => pool.encrypt(chunk(32))));
    const started = performance.now();
    const cpu = process.cpuUsage(); // all threads of this process: the pool's included
    const jobs: Array<Promise<unknown>> = [];
    for (let sent = 0; sent < opts.messages; sent += 32) jobs.push(pool.encrypt(chunk(32)));
    await Promise.all(jobs);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const messages = Math.ceil(opts.messages / 32) * 32;
    return {
      msgsPerSecond: messages / seconds,
      threads: opts.threads,
      cpuMicrosPerMessage: (used.user + used.system) / messages,
    };
  } finally {
    await pool.close();
  }
}
