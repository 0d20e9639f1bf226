import type { Kysely, Selectable } from 'kysely';
import type { Category, PromptSettings } from '../wire.ts';
import { newId } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import type { Database, SiteTable } from './schema.ts';

export interface Capping {
  perHour?: number;
  perDay?: number;
}

export interface Site {
  id: string;
  workspaceId: string;
  siteKey: string;
  name: string;
  origins: string[];
  categories: Category[];
  prompt: PromptSettings;
  capping: Capping;
  vapidSubject: string;
  vapidPublicKey: string;
  /** Never leaves the server: not in any API response. */
  vapidPrivateKey: string;
  createdAt: number;
  updatedAt: number;
}

export type NewSite = Omit<Site, 'id' | 'siteKey' | 'createdAt' | 'updatedAt'>;
export type SitePatch = Partial<
  Pick<Site, 'name' | 'origins' | 'categories' | 'prompt' | 'capping' | 'vapidSubject'>
>;

function toSite(row: Selectable<SiteTable>): Site {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    siteKey: row.site_key,
    name: row.name,
    origins: fromJson(row.origins, []),
    categories: fromJson(row.categories, []),
    prompt: fromJson(row.prompt, {} as PromptSettings),
    capping: fromJson(row.capping, {}),
    vapidSubject: row.vapid_subject,
    vapidPublicKey: row.vapid_public_key,
    vapidPrivateKey: row.vapid_private_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createSiteStore(db: Kysely<Database>) {
  return {
    async create(site: NewSite, now: number): Promise<Site> {
      const row = {
        id: newId('site'),
        workspace_id: site.workspaceId,
        // The public key a page embeds; distinct from the id so ids can stay internal.
        site_key: newId('pk'),
        name: site.name,
        origins: toJson(site.origins),
        categories: toJson(site.categories),
        prompt: toJson(site.prompt),
        capping: toJson(site.capping),
        vapid_subject: site.vapidSubject,
        vapid_public_key: site.vapidPublicKey,
        vapid_private_key: site.vapidPrivateKey,
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('sites').values(row).execute();
      return toSite(row);
    },

    async get(workspaceId: string, id: string): Promise<Site | undefined> {
      const row = await db
        .selectFrom('sites')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toSite(row);
    },

    async getByKey(siteKey: string): Promise<Site | undefined> {
      const row = await db
        .selectFrom('sites')
        .selectAll()
        .where('site_key', '=', siteKey)
        .executeTakeFirst();
      return row && toSite(row);
    },

    async getMany(ids: readonly string[]): Promise<Site[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('sites').selectAll().where('id', 'in', ids).execute();
      return rows.map(toSite);
    },

    async list(workspaceId: string): Promise<Site[]> {
      const rows = await db
        .selectFrom('sites')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id')
        .execute();
      return rows.map(toSite);
    },

    async update(
      workspaceId: string,
      id: string,
      patch: SitePatch,
      now: number,
    ): Promise<Site | undefined> {
      const set: Partial<SiteTable> = { updated_at: now };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.origins !== undefined) set.origins = toJson(patch.origins);
      if (patch.categories !== undefined) set.categories = toJson(patch.categories);
      if (patch.prompt !== undefined) set.prompt = toJson(patch.prompt);
      if (patch.capping !== undefined) set.capping = toJson(patch.capping);
      if (patch.vapidSubject !== undefined) set.vapid_subject = patch.vapidSubject;
      await db
        .updateTable('sites')
        .set(set)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      return this.get(workspaceId, id);
    },
  };
}

export type SiteStore = ReturnType<typeof createSiteStore>;
