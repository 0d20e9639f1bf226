import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../packages/server/src/config.ts';
import { createBeckon } from '../packages/server/src/main.ts';
import { keyFileFor } from '../packages/server/src/secrets/secret-key.ts';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { createStore } from '../packages/server/src/storage/store.ts';
import type { InitResult } from '../packages/server/src/workspace-setup.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS, TEST_SECRET_KEY, testDatabase, type TestDatabase } from './support/databases.ts';
import { runBeckon } from './support/process.ts';
import {
  createLocalPushService,
  type LocalPushService,
  pushed,
} from './support/push-service/index.ts';

const OTHER_KEY = Buffer.alloc(32, 9).toString('base64');
const NEW_KEY = Buffer.alloc(32, 11).toString('base64');

/**
 * Secrets at rest (API.md "Limits and retention"): VAPID private keys and identity secrets
 * are AES-256-GCM sealed in the database, under BECKON_SECRET_KEY or (SQLite) a 0600 key
 * file beside the database; `beckon secrets rotate` moves them to a new key.
 */
describe.each(DIALECTS)('secrets at rest on %s', (dialect) => {
  let push: LocalPushService;
  let database: TestDatabase;
  let workspace: InitResult;
  /** The key the server runs with: the key file's on SQLite, BECKON_SECRET_KEY on PostgreSQL. */
  let env: Record<string, string> = {};

  const start = (extra: Record<string, string> = {}) =>
    startBeckon({
      dialect,
      pushOrigins: [push.origin],
      env: { ...env, ...extra },
      reuse: { database, workspace },
    });

  const rawSites = async (beckon: TestBeckon) =>
    beckon.store.db.kysely
      .selectFrom('sites')
      .select(['vapid_private_key', 'identity_secret', 'previous_identity_secret'])
      .execute();

  beforeAll(async () => {
    push = await createLocalPushService();
    const first = await startBeckon({ dialect, pushOrigins: [push.origin] });
    database = first.database;
    workspace = first;
    await first.stop({ keepDatabase: true });
  });

  afterAll(async () => {
    await database.drop();
    await push.close();
  });

  it('never stores a VAPID private key or an identity secret in the clear', async () => {
    const beckon = await start();
    try {
      await beckon.api(`/v1/sites/${workspace.siteId}/identity-secret`, { method: 'POST' });
      const site = (await beckon.store.sites.getByKey(workspace.siteKey))!;
      const [raw] = await rawSites(beckon);
      const columns = Object.values(raw!);
      for (const column of columns) expect(column).toMatch(/^enc:v1:[A-Za-z0-9_-]{8}:/);
      const stored = columns.join(' ');
      for (const secret of [
        site.vapidPrivateKey,
        site.identitySecret,
        site.previousIdentitySecret!,
        workspace.identitySecret,
      ]) {
        expect(stored).not.toContain(secret);
      }
    } finally {
      await beckon.stop({ keepDatabase: true });
    }
  });

  it('seals plain secrets left by an older version on start', async () => {
    // A store opened without a key writes plain values, as rows from before this version.
    const db = await openDatabase(database.url);
    try {
      const store = createStore(db);
      const { workspace: ws } = await store.workspaces.create('Legacy', Date.now());
      await store.sites.create(
        {
          workspaceId: ws.id,
          name: 'Legacy',
          origins: [],
          categories: [],
          prompt: {} as never,
          capping: {},
          vapidSubject: 'mailto:a@b.example',
          vapidPublicKey: 'BPlain',
          vapidPrivateKey: 'plain-private-key',
        },
        Date.now(),
      );
    } finally {
      await db.close();
    }
    const beckon = await start();
    try {
      const raw = await rawSites(beckon);
      expect(raw.map((r) => r.vapid_private_key).join(' ')).not.toContain('plain-private-key');
      for (const r of raw) expect(r.vapid_private_key).toMatch(/^enc:v1:/);
      const legacy = await beckon.store.db.kysely
        .selectFrom('sites')
        .select('site_key')
        .where('vapid_public_key', '=', 'BPlain')
        .executeTakeFirstOrThrow();
      expect((await beckon.store.sites.getByKey(legacy.site_key))?.vapidPrivateKey).toBe(
        'plain-private-key',
      );
    } finally {
      await beckon.stop({ keepDatabase: true });
    }
  });

  it('refuses to start with the wrong key, naming both key ids', async () => {
    await expect(
      createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url, BECKON_SECRET_KEY: OTHER_KEY })),
    ).rejects.toThrow(/encrypted under key \S+, but the configured key is \S+/);
  });

  it('rotates every secret to a new key, after which the server still signs VAPID the push service accepts', async () => {
    const rotateEnv = {
      BECKON_DATABASE_URL: database.url,
      ...env,
      // SQLite: the key file is replaced by a fresh key; PostgreSQL: the key is named.
      ...(dialect === 'postgres' && { BECKON_SECRET_KEY_NEW: NEW_KEY }),
    };
    const out = JSON.parse(await runBeckon(['secrets', 'rotate'], rotateEnv)) as {
      rotated: number;
      keyId: string;
    };
    expect(out.rotated).toBeGreaterThanOrEqual(2);
    if (dialect === 'postgres') env = { BECKON_SECRET_KEY: NEW_KEY };

    // The old key no longer opens anything.
    await expect(
      createBeckon(
        loadConfig({ BECKON_DATABASE_URL: database.url, BECKON_SECRET_KEY: TEST_SECRET_KEY }),
      ),
    ).rejects.toThrow(/encrypted under key/);

    const beckon = await start();
    try {
      for (const r of await rawSites(beckon)) {
        expect(r.vapid_private_key).toMatch(new RegExp(`^enc:v1:${out.keyId}:`));
      }
      const subscriber = push.createSubscriber();
      const res = await fetch(`${beckon.url}/v1/sites/${workspace.siteKey}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        }),
      });
      expect(res.status).toBe(201);
      const campaign = (await (
        await beckon.api('/v1/campaigns', {
          body: { name: 'After rotation', messages: [{ title: 'Still signed' }] },
        })
      ).json()) as { id: string };
      await beckon.api('/v1/notifications', {
        body: { campaignId: campaign.id, target: { all: true } },
      });
      const [message] = await push.waitForMessages(1);
      expect(message!.vapid).toMatchObject({ publicKey: workspace.vapidPublicKey });
      expect(pushed(message!.payload)).toMatchObject({ title: 'Still signed' });
    } finally {
      await beckon.stop({ keepDatabase: true });
    }
  });

  if (dialect === 'sqlite') {
    it('creates the key file beside the database with mode 0600', () => {
      const mode = statSync(keyFileFor(database.url)).mode & 0o777;
      expect(mode.toString(8)).toBe('600');
    });
  } else {
    it('refuses to start on PostgreSQL without BECKON_SECRET_KEY, saying so', async () => {
      const fresh = testDatabase('postgres');
      await expect(createBeckon(loadConfig({ BECKON_DATABASE_URL: fresh.url }))).rejects.toThrow(
        /BECKON_SECRET_KEY is required with PostgreSQL/,
      );
      await fresh.drop();
    });
  }
});
