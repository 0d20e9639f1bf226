/**
 * `npm run bench:migration` — moving an audience from another push vendor: how long a file of
 * N subscriptions takes to parse (what the request does) and to import (the job: validation,
 * chunked writes with progress), on SQLite and PostgreSQL, the second time as updates.
 *
 *   npm run bench:migration [-- --subscriptions 100000 --dialects sqlite,postgres]
 */
import { createECDH, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseJsonSafely } from '../packages/server/src/http/json-guard.ts';
import {
  createImportJob,
  parseImportFile,
} from '../packages/server/src/sites/import-subscriptions.ts';
import type { Job } from '../packages/server/src/storage/jobs.ts';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { createStore } from '../packages/server/src/storage/store.ts';
import { createSecretBox } from '../packages/server/src/secrets/secret-box.ts';

const { values } = parseArgs({
  options: {
    subscriptions: { type: 'string', default: '100000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const N = Number(values.subscriptions);
const PG_URL = process.env.BECKON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An NDJSON file as another vendor exports it: FCM endpoints, real P-256 keys (a few reused). */
function importFile(): string {
  const keys = Array.from({ length: 64 }, () => {
    const ecdh = createECDH('prime256v1');
    return {
      p256dh: ecdh.generateKeys().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    };
  });
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    lines.push(
      JSON.stringify({
        endpoint: `https://fcm.googleapis.com/fcm/send/bench-${i}`,
        keys: keys[i % keys.length],
        ...(i % 2 === 0 && { externalId: `user-${i}` }),
        categories: i % 3 === 0 ? ['deals'] : [],
        language: 'en',
      }),
    );
  }
  return lines.join('\n');
}

async function benchDialect(dialect: 'sqlite' | 'postgres', file: string) {
  const schema = `bench_imp_${Date.now().toString(36)}`;
  const dbFile = join(tmpdir(), `${schema}.db`);
  const db = await openDatabase(
    dialect === 'sqlite' ? `sqlite:${dbFile}` : `${PG_URL}?schema=${schema}`,
  );
  const store = createStore(db, { secrets: createSecretBox(randomBytes(32)) });
  try {
    const now = Date.now();
    const { workspace } = await store.workspaces.create('bench', now);
    const site = await store.sites.create(
      {
        workspaceId: workspace.id,
        name: 'bench',
        origins: [],
        categories: [{ id: 'deals', label: 'Deals' }],
        prompt: {} as never,
        capping: {},
        vapidSubject: 'mailto:bench@example.com',
        vapidPublicKey: 'x',
        vapidPrivateKey: 'x',
      },
      now,
    );
    const run = createImportJob({ store, clock: Date.now, leaseMs: 60_000, pushOriginsAllow: [] });
    const once = async () => {
      let start = performance.now();
      const parsed = parseImportFile(file, (json) => parseJsonSafely(json));
      const parseMs = performance.now() - start;
      const job = {
        id: 'job_bench',
        workspaceId: workspace.id,
        payload: { siteId: site.id, ...parsed },
        progress: { done: 0, total: 0 },
        result: null,
      } as unknown as Job;
      await store.jobs
        .enqueue(
          { id: job.id, workspaceId: workspace.id, kind: 'bench', payload: {}, runAt: now + 1e9 },
          now,
        )
        .catch(() => {});
      start = performance.now();
      const result = await run(job);
      return { parseMs, jobMs: performance.now() - start, result };
    };
    const first = await once();
    const second = await once();
    const row = (label: string, r: typeof first) => ({
      dialect,
      run: label,
      'parse ms': Math.round(r.parseMs),
      'job ms': Math.round(r.jobMs),
      'records/s': Math.round(N / ((r.parseMs + r.jobMs) / 1000)),
      imported: r.result.imported,
      updated: r.result.updated,
      invalid: r.result.invalid,
    });
    return [row('new', first), row('again (updates)', second)];
  } finally {
    await db.close();
    if (dialect === 'sqlite')
      for (const s of ['', '-wal', '-shm']) rmSync(dbFile + s, { force: true });
    else {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

const file = importFile();
process.stderr.write(
  `${N.toLocaleString()} subscriptions, ${(file.length / 1e6).toFixed(1)} MB of NDJSON\n`,
);
const rows = [];
for (const dialect of values.dialects.split(',') as Array<'sqlite' | 'postgres'>) {
  rows.push(...(await benchDialect(dialect, file)));
}
console.table(rows);
