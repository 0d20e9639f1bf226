import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT } from '../domain/site-defaults.ts';
import { DEFAULT_VAPID_SUBJECT } from '../domain/vapid-subject.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createStore, type Store } from '../storage/store.ts';
import { createSite } from './create-site.ts';

describe('createSite', () => {
  let db: Db;
  let store: Store;
  let workspaceId: string;

  beforeAll(async () => {
    db = await openDatabase('sqlite::memory:');
    store = createStore(db);
    workspaceId = (await store.workspaces.create('Shop', 0)).workspace.id;
  });
  afterAll(() => db.close());

  it('gives every site its own VAPID key pair and the defaults a caller leaves out', async () => {
    const a = await createSite(store, { workspaceId, name: 'A' }, 1);
    const b = await createSite(store, { workspaceId, name: 'B' }, 1);
    expect(a.vapidPublicKey).not.toBe(b.vapidPublicKey);
    expect(a).toMatchObject({
      origins: [],
      categories: [],
      capping: {},
      prompt: DEFAULT_PROMPT,
      vapidSubject: DEFAULT_VAPID_SUBJECT,
      identityVerification: 'required',
    });
    expect(await store.sites.get(workspaceId, a.id)).toMatchObject({ name: 'A' });
  });

  it('keeps what the caller chose and completes a partial prompt', async () => {
    const site = await createSite(
      store,
      {
        workspaceId,
        name: 'C',
        origins: ['https://shop.example'],
        vapidSubject: 'mailto:ops@shop.example',
        identityVerification: 'off',
        prompt: { title: 'Stay in the loop' },
      },
      1,
    );
    expect(site).toMatchObject({
      origins: ['https://shop.example'],
      vapidSubject: 'mailto:ops@shop.example',
      identityVerification: 'off',
      prompt: { ...DEFAULT_PROMPT, title: 'Stay in the loop' },
    });
  });
});
