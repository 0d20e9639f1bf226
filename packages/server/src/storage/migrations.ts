import type { Migration, MigrationProvider } from 'kysely';
import { migration as foundation } from './migrations/0001_foundation.ts';
import { migration as audiences } from './migrations/0002_audiences.ts';
import { migration as triggersCapping } from './migrations/0003_triggers_capping.ts';
import { migration as identity } from './migrations/0005_identity.ts';
import { migration as tenancy } from './migrations/0006_tenancy.ts';
import { migration as retention } from './migrations/0007_retention.ts';
import { migration as delivery0009 } from './migrations/0009_delivery.ts';
import { migration as render } from './migrations/0010_render.ts';
import { migration as cancel } from './migrations/0011_cancel.ts';
import { migration as lanes } from './migrations/0012_lanes.ts';
import { migration as rules } from './migrations/0014_rules.ts';
import { migration as accounts } from './migrations/0015_accounts.ts';
import { migration as rollups } from './migrations/0016_rollups.ts';
import { migration as webhooks } from './migrations/0017_webhooks.ts';
import { migration as fairExpress } from './migrations/0020_fair_express.ts';
import { migration as campaignNotifications } from './migrations/0024_campaign_notifications.ts';
import { migration as fairTriggerRuns } from './migrations/0025_fair_trigger_runs.ts';
import { migration as leanEventIndexes } from './migrations/0026_lean_event_indexes.ts';

/**
 * Migrations in code, one file each under migrations/, applied on start in name order. The
 * index is static (no directory scan), so bundling or a missing file cannot change what
 * runs. The keys are the names databases have recorded: never rename a landed one. A new
 * one's name must sort after every landed one: a database that applied a higher name refuses
 * a lower one. Column types are chosen to mean the same thing on SQLite and PostgreSQL:
 * BIGINT epoch milliseconds, TEXT for ids and JSON.
 */
const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_audiences': audiences,
  '0003_triggers_capping': triggersCapping,
  '0005_identity': identity,
  '0006_tenancy': tenancy,
  '0007_retention': retention,
  '0009_delivery': delivery0009,
  '0010_render': render,
  '0011_cancel': cancel,
  '0012_lanes': lanes,
  '0014_rules': rules,
  '0015_accounts': accounts,
  '0016_rollups': rollups,
  '0017_webhooks': webhooks,
  '0020_fair_express': fairExpress,
  '0024_campaign_notifications': campaignNotifications,
  '0025_fair_trigger_runs': fairTriggerRuns,
  '0026_lean_event_indexes': leanEventIndexes,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
