import { randomBytes } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';

/** `bis_` + 32 random bytes in base64url: what a site's backend keys its user hashes with. */
export const newIdentitySecret = () => `bis_${randomBytes(32).toString('base64url')}`;

/**
 * Identity verification per site. Sites that existed before stay `off`, so live installs
 * that call `identify` without a `userHash` keep their ID sync; new sites are created
 * `required` (by the site store). Each existing site gets its own secret here, in plain text:
 * a migration cannot see the encryption key, and the start-up step (`sealStoredSecrets`)
 * encrypts it before the server answers a request.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('sites')
      .addColumn('identity_verification', 'text', (c) => c.notNull().defaultTo('off'))
      .execute();
    await db.schema.alterTable('sites').addColumn('identity_secret', 'text').execute();
    // The secret before the last rotation, honoured until `..._until` (epoch ms).
    await db.schema.alterTable('sites').addColumn('previous_identity_secret', 'text').execute();
    await db.schema
      .alterTable('sites')
      .addColumn('previous_identity_secret_until', 'bigint')
      .execute();
    const sites = await db.selectFrom('sites').select('id').execute();
    for (const site of sites) {
      await db
        .updateTable('sites')
        .set({ identity_secret: newIdentitySecret() })
        .where('id', '=', site.id)
        .execute();
    }
  },
};
