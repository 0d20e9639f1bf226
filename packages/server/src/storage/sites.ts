import { singleFlight } from './single-flight.ts';
import type { Kysely, Selectable } from 'kysely';
import { PLAIN_BOX, type SecretBox } from '../secrets/secret-box.ts';
import type { Capping } from '../domain/capping.ts';
import type { Category, PromptSettings } from '../wire.ts';
import { newId } from './ids.ts';
import { newIdentitySecret } from './migrations/0005_identity.ts';
import { fromJson, toJson } from './json.ts';
import type { Database, SiteTable } from './schema.ts';

// A domain type, re-exported for the modules that found it here.
export type { Capping };

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
  /** Never leaves the server: not in any API response. Sealed at rest. */
  vapidPrivateKey: string;
  identityVerification: IdentityVerification;
  /** Keys `userHash`; shown on creation and rotation only. Sealed at rest. */
  identitySecret: string;
  /** The secret before the last rotation, still honoured until `previousIdentitySecretUntil`. */
  previousIdentitySecret: string | null;
  previousIdentitySecretUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

export type IdentityVerification = 'required' | 'off';

/** The store makes the site key and identity secret; verification is `required` unless said. */
export type NewSite = Omit<
  Site,
  | 'id'
  | 'siteKey'
  | 'createdAt'
  | 'updatedAt'
  | 'identitySecret'
  | 'identityVerification'
  | 'previousIdentitySecret'
  | 'previousIdentitySecretUntil'
> & { identityVerification?: IdentityVerification };
export type SitePatch = Partial<
  Pick<
    Site,
    | 'name'
    | 'origins'
    | 'categories'
    | 'prompt'
    | 'capping'
    | 'vapidSubject'
    | 'identityVerification'
  >
>;

/** The sealed columns, as stored: what `secrets` start-up and rotation re-seal. */
export interface SealedSiteSecrets {
  id: string;
  vapidPrivateKey: string;
  identitySecret: string | null;
  previousIdentitySecret: string | null;
}

function toSite(row: Selectable<SiteTable>, box: SecretBox): Site {
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
    vapidPrivateKey: box.open(row.vapid_private_key),
    identityVerification: row.identity_verification,
    identitySecret: box.open(row.identity_secret),
    previousIdentitySecret:
      row.previous_identity_secret === null ? null : box.open(row.previous_identity_secret),
    previousIdentitySecretUntil: row.previous_identity_secret_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Sites, with their secrets sealed by `box` on the way in and opened on the way out: the
 * rest of the server sees plain keys, the database never does.
 */
export function createSiteStore(db: Kysely<Database>, box: SecretBox = PLAIN_BOX) {
  async function readByKey(siteKey: string): Promise<Site | undefined> {
    const row = await db
      .selectFrom('sites')
      .selectAll()
      .where('site_key', '=', siteKey)
      .executeTakeFirst();
    return row && toSite(row, box);
  }

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
        vapid_private_key: box.seal(site.vapidPrivateKey),
        identity_verification: site.identityVerification ?? ('required' as const),
        identity_secret: box.seal(newIdentitySecret()),
        previous_identity_secret: null,
        previous_identity_secret_until: null,
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('sites').values(row).execute();
      return toSite(row, box);
    },

    async get(workspaceId: string, id: string): Promise<Site | undefined> {
      const row = await db
        .selectFrom('sites')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toSite(row, box);
    },

    /** Every public request asks: concurrent ones share a lookup (single-flight.ts). */
    getByKey: db.isTransaction ? readByKey : singleFlight(readByKey),

    async getMany(ids: readonly string[]): Promise<Site[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('sites').selectAll().where('id', 'in', ids).execute();
      return rows.map((row) => toSite(row, box));
    },

    async list(workspaceId: string): Promise<Site[]> {
      const rows = await db
        .selectFrom('sites')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id')
        .execute();
      return rows.map((row) => toSite(row, box));
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
      if (patch.identityVerification !== undefined) {
        set.identity_verification = patch.identityVerification;
      }
      await db
        .updateTable('sites')
        .set(set)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      return this.get(workspaceId, id);
    },

    /**
     * A new identity secret; the current one becomes the previous, honoured until
     * `now + graceMs`. One statement, so two rotations at once cannot lose a secret.
     */
    async rotateIdentitySecret(
      workspaceId: string,
      id: string,
      graceMs: number,
      now: number,
    ): Promise<string | undefined> {
      const secret = newIdentitySecret();
      const result = await db
        .updateTable('sites')
        .set((eb) => ({
          previous_identity_secret: eb.ref('identity_secret'),
          previous_identity_secret_until: now + graceMs,
          identity_secret: box.seal(secret),
          updated_at: now,
        }))
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n ? secret : undefined;
    },

    /** Every site's sealed columns, as stored (for sealing legacy values and key rotation). */
    async listSealedSecrets(): Promise<SealedSiteSecrets[]> {
      const rows = await db
        .selectFrom('sites')
        .select(['id', 'vapid_private_key', 'identity_secret', 'previous_identity_secret'])
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        vapidPrivateKey: r.vapid_private_key,
        identitySecret: r.identity_secret,
        previousIdentitySecret: r.previous_identity_secret,
      }));
    },

    /**
     * Replaces one site's sealed columns, only if they are still `from` (another process
     * may have sealed or rotated them meanwhile). Returns whether the row was written.
     */
    async replaceSealedSecrets(
      from: SealedSiteSecrets,
      to: SealedSiteSecrets & { identitySecret: string },
    ): Promise<boolean> {
      const result = await db
        .updateTable('sites')
        .set({
          vapid_private_key: to.vapidPrivateKey,
          identity_secret: to.identitySecret,
          previous_identity_secret: to.previousIdentitySecret,
        })
        .where('id', '=', from.id)
        .where('vapid_private_key', '=', from.vapidPrivateKey)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

export type SiteStore = ReturnType<typeof createSiteStore>;
