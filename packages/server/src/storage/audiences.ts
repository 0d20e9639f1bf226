import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import { parseRule, referencedAudiences, type ParsedRule } from '../domain/audience-rule.ts';
import type { DialectName } from './database.ts';
import { newId } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import { ruleSql } from './rule-sql.ts';
import type { AudienceTable, Database, MemberType } from './schema.ts';
import { inTransaction } from './transaction.ts';
import { cursorPage, type Page, type PageRequest } from './cursor-page.ts';

export interface Audience {
  id: string;
  workspaceId: string;
  name: string;
  /** snake_case of the name; Segment Engage-style traits find a manual audience by it. */
  key: string;
  rule: unknown | null;
  createdAt: number;
  updatedAt: number;
}

/** `size` of `GET /v1/audiences/{id}`: member users, and the browsers targeting reaches. */
export interface AudienceSize {
  users: number;
  subscribers: number;
}

export interface Member {
  type: MemberType;
  id: string;
}

/** `VIP Customers` → `vip_customers`, as Segment Engage names computed traits. */
export function snakeCase(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

function toAudience(row: Selectable<AudienceTable>): Audience {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    key: row.key,
    rule: fromJson(row.rule, null),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class AudienceCycleError extends Error {}

/** Audiences and their members; membership of any audience as a SQL predicate over subscribers. */
export function createAudienceStore(db: Kysely<Database>, dialect: DialectName) {
  async function load(workspaceId: string, ids: readonly string[]): Promise<Audience[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('audiences')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids)
      .execute();
    return rows.map(toAudience);
  }

  /** Loads the audiences and everything they nest, refusing a cycle or a missing one. */
  async function loadGraph(
    workspaceId: string,
    roots: readonly string[],
  ): Promise<Map<string, { audience: Audience; rule: ParsedRule | null }>> {
    const graph = new Map<string, { audience: Audience; rule: ParsedRule | null }>();
    let pending = [...new Set(roots)];
    for (let depth = 0; pending.length > 0; depth++) {
      if (depth > 20) throw new AudienceCycleError('audiences nest more than 20 levels deep');
      const found = await load(workspaceId, pending);
      const missing = pending.filter((id) => !found.some((a) => a.id === id));
      if (missing.length > 0) throw new AudienceNotFoundError(missing);
      const next: string[] = [];
      for (const audience of found) {
        const rule = audience.rule === null ? null : parseRule(audience.rule);
        graph.set(audience.id, { audience, rule });
        if (rule) next.push(...referencedAudiences(rule).filter((id) => !graph.has(id)));
      }
      pending = [...new Set(next)];
    }
    return graph;
  }

  function predicateFrom(
    graph: Map<string, { audience: Audience; rule: ParsedRule | null }>,
    id: string,
    now: number,
    path: string[] = [],
  ): RawBuilder<SqlBool> {
    if (path.includes(id))
      throw new AudienceCycleError(`audience ${id} contains itself (${[...path, id].join(' → ')})`);
    const node = graph.get(id);
    if (!node) throw new AudienceNotFoundError([id]);
    if (!node.rule) {
      return sql<SqlBool>`(EXISTS (SELECT 1 FROM audience_members am WHERE am.audience_id = ${id} AND am.member_type = 'user' AND am.member_id = subscribers.external_id) OR EXISTS (SELECT 1 FROM audience_members am WHERE am.audience_id = ${id} AND am.member_type = 'subscriber' AND am.member_id = subscribers.id))`;
    }
    return ruleSql(node.rule, {
      dialect,
      workspaceId: node.audience.workspaceId,
      now,
      audience: (nested) => predicateFrom(graph, nested, now, [...path, id]),
    });
  }

  /**
   * The member keys (`user:<externalId>`, `subscriber:<id>`) of a rule, as SQL. A user is a
   * member when one of its subscribers satisfies the rule or, for a user without any
   * subscriber, when the user does with no browser: the rule's SQL runs over a derived
   * table named `subscribers` whose browser columns (id, site, subscription date) are NULL,
   * so user-level conditions (events, traits, nested audiences) decide and browser-level
   * ones (category, site, subscribedBetween) do not hold. Bare subscribers are members
   * when they satisfy it. Targeting stays per subscriber: the subscribers of a member user
   * that satisfy the rule, i.e. all of them for a rule over events and traits.
   */
  function memberSet(workspaceId: string, predicate: RawBuilder<SqlBool>, user?: string) {
    const onlySubscribers =
      user === undefined ? sql`` : sql` AND subscribers.external_id = ${user}`;
    const onlyUsers = user === undefined ? sql`` : sql` AND u.external_id = ${user}`;
    return sql<{ member_key: string }>`
      SELECT CASE WHEN subscribers.external_id IS NULL THEN 'subscriber:' || subscribers.id
        ELSE 'user:' || subscribers.external_id END AS member_key
      FROM subscribers WHERE subscribers.workspace_id = ${workspaceId}${onlySubscribers} AND ${predicate}
      UNION
      SELECT 'user:' || subscribers.external_id AS member_key
      FROM (
        SELECT u.workspace_id, u.external_id, CAST(NULL AS TEXT) AS id,
          CAST(NULL AS TEXT) AS site_id, CAST(NULL AS BIGINT) AS created_at
        FROM users u
        WHERE u.workspace_id = ${workspaceId}${onlyUsers} AND NOT EXISTS (
          SELECT 1 FROM subscribers s WHERE s.workspace_id = u.workspace_id AND s.external_id = u.external_id)
      ) subscribers WHERE ${predicate}`;
  }

  async function reach(workspaceId: string, predicate: RawBuilder<SqlBool>): Promise<number> {
    const row = await db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subscribers.workspace_id', '=', workspaceId)
      .where(predicate)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function sizeOf(
    workspaceId: string,
    predicate: RawBuilder<SqlBool>,
  ): Promise<AudienceSize> {
    const row = await sql<{ users: number | string | null }>`
      SELECT sum(CASE WHEN member_key LIKE 'user:%' THEN 1 ELSE 0 END) AS users
      FROM (${memberSet(workspaceId, predicate)}) m`.execute(db);
    return {
      users: Number(row.rows[0]?.users ?? 0),
      subscribers: await reach(workspaceId, predicate),
    };
  }

  return {
    async create(
      input: { workspaceId: string; name: string; rule: unknown | null },
      now: number,
    ): Promise<Audience> {
      const row = {
        id: newId('aud'),
        workspace_id: input.workspaceId,
        name: input.name,
        key: snakeCase(input.name),
        rule: input.rule === null ? null : toJson(input.rule),
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('audiences').values(row).execute();
      return toAudience(row);
    },

    async get(workspaceId: string, id: string): Promise<Audience | undefined> {
      return (await load(workspaceId, [id]))[0];
    },

    async findManualByKey(workspaceId: string, key: string): Promise<Audience | undefined> {
      const row = await db
        .selectFrom('audiences')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('key', '=', key)
        .where('rule', 'is', null)
        .orderBy('created_at')
        .executeTakeFirst();
      return row && toAudience(row);
    },

    async list(workspaceId: string, page: PageRequest): Promise<Page<Audience>> {
      let q = db.selectFrom('audiences').selectAll().where('workspace_id', '=', workspaceId);
      if (page.cursor) q = q.where('id', '>', page.cursor);
      return cursorPage(q.orderBy('id'), page, {
        cursorOf: (row) => row.id,
        map: (rows) => rows.map(toAudience),
      });
    },

    async update(
      workspaceId: string,
      id: string,
      patch: { name?: string; rule?: unknown | null },
      now: number,
    ) {
      await db
        .updateTable('audiences')
        .set({
          updated_at: now,
          ...(patch.name !== undefined && { name: patch.name, key: snakeCase(patch.name) }),
          ...(patch.rule !== undefined && {
            rule: patch.rule === null ? null : toJson(patch.rule),
          }),
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      return this.get(workspaceId, id);
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('audience_members').where('audience_id', '=', id).execute();
        await trx
          .deleteFrom('audiences')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .execute();
      });
    },

    /** Audiences whose rules name this one (it cannot be deleted while they do). */
    async referencing(workspaceId: string, id: string): Promise<Audience[]> {
      const rows = await db
        .selectFrom('audiences')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('rule', 'is not', null)
        .execute();
      return rows
        .map(toAudience)
        .filter((a) => referencedAudiences(parseRule(a.rule)).includes(id));
    },

    /** Checks a rule before it is stored: its nested audiences exist and nothing loops. */
    async validateNesting(workspaceId: string, id: string | null, rule: ParsedRule): Promise<void> {
      const nested = referencedAudiences(rule);
      if (id && nested.includes(id))
        throw new AudienceCycleError(`audience ${id} cannot contain itself`);
      const graph = await loadGraph(workspaceId, nested);
      if (id) {
        for (const { rule: r } of graph.values()) {
          if (r && referencedAudiences(r).includes(id)) {
            throw new AudienceCycleError(
              `audience ${id} would contain itself through another audience`,
            );
          }
        }
      }
      for (const nestedId of nested) predicateFrom(graph, nestedId, 0);
    },

    /** Membership of each audience as a predicate over the outer `subscribers` row. */
    async predicates(
      workspaceId: string,
      ids: readonly string[],
      now: number,
    ): Promise<RawBuilder<SqlBool>[]> {
      const graph = await loadGraph(workspaceId, ids);
      return ids.map((id) => predicateFrom(graph, id, now));
    },

    async addMembers(
      audience: Audience,
      members: readonly Member[],
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<number> {
      return (await this.addMembersReturning(audience, members, now, trx)).length;
    },

    /** Adds members; returns those that were not members before (each a real change). */
    async addMembersReturning(
      audience: Audience,
      members: readonly Member[],
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<Member[]> {
      const added: Member[] = [];
      for (let i = 0; i < members.length; i += 500) {
        const rows = await trx
          .insertInto('audience_members')
          .values(
            members.slice(i, i + 500).map((m) => ({
              audience_id: audience.id,
              member_type: m.type,
              member_id: m.id,
              workspace_id: audience.workspaceId,
              added_at: now,
            })),
          )
          .onConflict((oc) => oc.columns(['audience_id', 'member_type', 'member_id']).doNothing())
          .returning(['member_type', 'member_id'])
          .execute();
        for (const r of rows) added.push({ type: r.member_type, id: r.member_id });
      }
      return added;
    },

    async removeMembers(
      audience: Audience,
      members: readonly Member[],
      trx: Kysely<Database> = db,
    ): Promise<number> {
      return (await this.removeMembersReturning(audience, members, trx)).length;
    },

    /** Removes members; returns those that were members (each a real change). */
    async removeMembersReturning(
      audience: Audience,
      members: readonly Member[],
      trx: Kysely<Database> = db,
    ): Promise<Member[]> {
      const removed: Member[] = [];
      for (const type of ['user', 'subscriber'] as const) {
        const ids = [...new Set(members.filter((m) => m.type === type).map((m) => m.id))];
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await trx
            .deleteFrom('audience_members')
            .where('audience_id', '=', audience.id)
            .where('member_type', '=', type)
            .where('member_id', 'in', ids.slice(i, i + 500))
            .returning(['member_type', 'member_id'])
            .execute();
          for (const r of rows) removed.push({ type: r.member_type, id: r.member_id });
        }
      }
      return removed;
    },

    /**
     * Members in a stable order with a cursor: manual audiences list what was added (users
     * kept even before they have a subscriber); rule audiences list the users and bare
     * subscribers who satisfy the rule (see `memberSet`).
     */
    async members(audience: Audience, page: PageRequest, now: number) {
      const cursor = page.cursor ?? '';
      const toMember = (key: string) => {
        const [type, ...rest] = key.split(':');
        const id = rest.join(':');
        return type === 'user' ? { externalId: id } : { subscriberId: id };
      };
      const how = {
        cursorOf: (row: { member_key: string }) => row.member_key,
        map: (rows: Array<{ member_key: string }>) => rows.map((r) => toMember(r.member_key)),
      };
      if (audience.rule === null) {
        const query = db
          .selectFrom('audience_members')
          .select(sql<string>`member_type || ':' || member_id`.as('member_key'))
          .where('audience_id', '=', audience.id)
          .where(sql<SqlBool>`member_type || ':' || member_id > ${cursor}`)
          .orderBy('member_key');
        return cursorPage(query, page, how);
      }
      const [predicate] = await this.predicates(audience.workspaceId, [audience.id], now);
      const query = {
        limit: (n: number) => ({
          execute: async () =>
            (
              await sql<{ member_key: string }>`
                SELECT member_key FROM (${memberSet(audience.workspaceId, predicate!)}) m
                WHERE member_key > ${cursor} ORDER BY member_key LIMIT ${n}`.execute(db)
            ).rows,
        }),
      };
      return cursorPage(query, page, how);
    },

    /**
     * How many users are members, and how many subscribers (browsers) targeting the
     * audience reaches: the subscribers of member users and the member bare subscribers.
     */
    async size(audience: Audience, now: number): Promise<AudienceSize> {
      const [predicate] = await this.predicates(audience.workspaceId, [audience.id], now);
      if (audience.rule !== null) return sizeOf(audience.workspaceId, predicate!);
      const row = await db
        .selectFrom('audience_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('audience_id', '=', audience.id)
        .where('member_type', '=', 'user')
        .executeTakeFirstOrThrow();
      return { users: Number(row.n), subscribers: await reach(audience.workspaceId, predicate!) };
    },

    /** Is the user a member of this audience now (manual: listed; rule: see `memberSet`)? */
    async hasUser(audience: Audience, externalId: string, now: number): Promise<boolean> {
      if (audience.rule === null) {
        const row = await db
          .selectFrom('audience_members')
          .select('member_id')
          .where('audience_id', '=', audience.id)
          .where('member_type', '=', 'user')
          .where('member_id', '=', externalId)
          .executeTakeFirst();
        return row !== undefined;
      }
      const [predicate] = await this.predicates(audience.workspaceId, [audience.id], now);
      const result = await sql<{ member_key: string }>`
        SELECT member_key FROM (${memberSet(audience.workspaceId, predicate!, externalId)}) m
        LIMIT 1`.execute(db);
      return result.rows.length > 0;
    },

    /** The size a rule would have, without storing an audience (its nesting is checked). */
    async previewSize(workspaceId: string, rule: ParsedRule, now: number): Promise<AudienceSize> {
      await this.validateNesting(workspaceId, null, rule);
      const graph = await loadGraph(workspaceId, referencedAudiences(rule));
      const predicate = ruleSql(rule, {
        dialect,
        workspaceId,
        now,
        audience: (nested) => predicateFrom(graph, nested, now),
      });
      return sizeOf(workspaceId, predicate);
    },

    /** Manual audiences that list this user by externalId. */
    async manualOfUser(workspaceId: string, externalId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('audience_members')
        .select('audience_id')
        .where('workspace_id', '=', workspaceId)
        .where('member_type', '=', 'user')
        .where('member_id', '=', externalId)
        .execute();
      return rows.map((r) => r.audience_id);
    },

    /**
     * Every audience the user is in now, a page of audiences at a time. An audience whose
     * stored rule cannot run (saved before rules were checked) is left out and reported to
     * `skipped`: it must not hide the user and every other audience.
     */
    async ofUser(
      workspaceId: string,
      externalId: string,
      now: number,
      skipped: (audience: Audience, error: unknown) => void,
    ): Promise<Array<{ id: string; name: string; type: 'manual' | 'rule' }>> {
      const manual = new Set(await this.manualOfUser(workspaceId, externalId));
      const found = [];
      for (let cursor: string | undefined; ;) {
        const page = await this.list(workspaceId, { limit: 200, cursor });
        for (const audience of page.data) {
          let member = manual.has(audience.id);
          if (!member && audience.rule !== null) {
            try {
              member = await this.hasUser(audience, externalId, now);
            } catch (error) {
              skipped(audience, error);
            }
          }
          if (member) {
            const type = audience.rule === null ? ('manual' as const) : ('rule' as const);
            found.push({ id: audience.id, name: audience.name, type });
          }
        }
        if (!page.nextCursor) return found;
        cursor = page.nextCursor;
      }
    },
  };
}

export class AudienceNotFoundError extends Error {
  constructor(readonly ids: string[]) {
    super(`audience not found: ${ids.join(', ')}`);
  }
}

export type AudienceStore = ReturnType<typeof createAudienceStore>;
