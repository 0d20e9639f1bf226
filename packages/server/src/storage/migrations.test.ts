import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from './migrations.ts';

/** The names existing databases have recorded in their migration table (never rename one). */
const RECORDED = [
  '0001_foundation',
  '0002_audiences',
  '0003_triggers_capping',
  '0005_identity',
  '0006_tenancy',
  '0007_retention',
  '0009_delivery',
  '0010_render',
  '0011_cancel',
];

describe('migrations', () => {
  it('keeps every name a database has recorded', async () => {
    const names = Object.keys(await migrationProvider.getMigrations());
    expect(names).toEqual(expect.arrayContaining(RECORDED));
  });

  it('registers one file per migration, named as the migration', async () => {
    const names = Object.keys(await migrationProvider.getMigrations()).sort();
    const files = readdirSync(new URL('./migrations/', import.meta.url))
      .filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f) && !f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(files).toEqual(names);
  });
});
