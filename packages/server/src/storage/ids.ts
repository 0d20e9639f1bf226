import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids, drawn from the CSPRNG 4 KB at a time: `randomBytes(8)` per id cost
 * ~28 µs here (a one-user send makes 3–4 ids), a slice of the pool ~1 µs. Ids are not
 * secrets (newSecret draws its own bytes); the bits only keep two processes apart. Node's
 * own `crypto.randomUUID` buffers its entropy the same way.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

/**
 * A new id such as `sub_m3x9k2a1b4c5d6e7f8a9b0`: a prefix naming the kind, then a base-36
 * time part so ids sort roughly by creation (cursor pagination, fan-out order) and 64 random
 * bits so two processes never collide.
 */
export function newId(prefix: string): string {
  if (used + 8 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.toString('hex', used, used + 8);
  used += 8;
  return `${prefix}_${Date.now().toString(36)}${random}`;
}

/**
 * `count` new ids at once, from one call for random bytes: a batch of events or a fan-out's
 * page asking for 8 bytes a row spent most of its id time entering the CSPRNG.
 *
 * @example const [a, b] = newIds('evt', 2);
 */
export function newIds(prefix: string, count: number): string[] {
  const head = `${prefix}_${Date.now().toString(36)}`;
  const hex = randomBytes(8 * count).toString('hex');
  return Array.from({ length: count }, (_, i) => head + hex.slice(16 * i, 16 * i + 16));
}

/** A secret that is shown once and stored only as its hash. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
