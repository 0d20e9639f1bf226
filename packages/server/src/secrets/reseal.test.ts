import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createStore } from '../storage/store.ts';
import { rotateSecrets, sealStoredSecrets } from './reseal.ts';
import { createSecretBox, sealedKeyId } from './secret-box.ts';

describe.each(DIALECTS)('sealing and rotating stored secrets on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  const oldBox = createSecretBox(randomBytes(32));
  const newBox = createSecretBox(randomBytes(32));

  beforeAll(async () => {
    db = await openDatabase(database.url);
    // Written without a key, as by a version before secrets at rest.
    const plain = createStore(db);
    const { workspace } = await plain.workspaces.create('W', 0);
    for (const name of ['a', 'b', 'c']) {
      await plain.sites.create(
        {
          workspaceId: workspace.id,
          name,
          origins: [],
          categories: [],
          prompt: {} as never,
          capping: {},
          vapidSubject: 'mailto:a@b.example',
          vapidPublicKey: `B${name}`,
          vapidPrivateKey: `private-${name}`,
        },
        0,
      );
    }
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const keyIds = async () =>
    (await createStore(db).sites.listSealedSecrets()).flatMap((s) =>
      [s.vapidPrivateKey, s.identitySecret!].map((v) => sealedKeyId(v) ?? 'plain'),
    );

  it('seals plain values once, and leaves sealed ones alone', async () => {
    const store = createStore(db, { secrets: oldBox });
    expect(await sealStoredSecrets(store, oldBox)).toBe(3);
    expect(new Set(await keyIds())).toEqual(new Set([oldBox.keyId]));
    expect(await sealStoredSecrets(store, oldBox)).toBe(0);
  });

  it('finishes a rotation cut short: sites already under the new key are skipped', async () => {
    const store = createStore(db, { secrets: oldBox });
    const [first] = await store.sites.listSealedSecrets();
    // Half a rotation: one site moved by an earlier run that then died.
    await store.sites.replaceSealedSecrets(first!, {
      id: first!.id,
      vapidPrivateKey: newBox.seal(oldBox.open(first!.vapidPrivateKey)),
      identitySecret: newBox.seal(oldBox.open(first!.identitySecret!)),
      previousIdentitySecret: null,
    });
    expect(await rotateSecrets(store, oldBox, newBox)).toBe(2);
    expect(new Set(await keyIds())).toEqual(new Set([newBox.keyId]));
    const after = createStore(db, { secrets: newBox });
    const privateKeys = (
      await after.sites.list((await after.sites.getMany([first!.id]))[0]!.workspaceId)
    )
      .map((s) => s.vapidPrivateKey)
      .sort();
    expect(privateKeys).toEqual(['private-a', 'private-b', 'private-c']);
    expect(await rotateSecrets(after, oldBox, newBox)).toBe(0);
  });

  it('rotates webhook signing secrets with the sites', async () => {
    const store = createStore(db, { secrets: newBox });
    const [site] = await store.sites.listSealedSecrets();
    const workspaceId = (await store.sites.getMany([site!.id]))[0]!.workspaceId;
    const { webhook, secret } = await store.webhooks.create(
      workspaceId,
      { url: 'https://hooks.example/x', events: ['delivery.sent'], enabled: false },
      0,
    );
    const third = createSecretBox(randomBytes(32));
    expect(await rotateSecrets(store, newBox, third)).toBe(4);
    const [sealed] = await store.webhooks.listSealedSecrets();
    expect(sealed).toMatchObject({ id: webhook.id });
    expect(sealedKeyId(sealed!.secret)).toBe(third.keyId);
    expect(third.open(sealed!.secret)).toBe(secret);
  });
});
