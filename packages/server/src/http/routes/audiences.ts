import { Hono } from 'hono';
import { z } from 'zod';
import { AUDIENCE_MEMBERS_JOB, membersJobInput } from '../../audiences/members-job.ts';
import { audienceReferences, parseRule, type ParsedRule } from '../../domain/audience-rule.ts';
import { InvalidRuleError } from '../../domain/conditions.ts';
import {
  AudienceCycleError,
  AudienceNotFoundError,
  type Audience,
  type AudienceSize,
  type Member,
} from '../../storage/audiences.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError, type FieldError } from '../problem.ts';
import { pageQuerySchema } from '../schemas.ts';
import { readJson, readQuery } from '../validate.ts';

export const audienceCreateSchema = z.strictObject({
  name: z.string().min(1).max(200),
  rule: z.record(z.string(), z.unknown()).nullable().optional(),
});
export const audiencePatchSchema = audienceCreateSchema.partial();

const ids = z.array(z.string().min(1).max(256)).max(1_000_000);
const memberList = z.union([
  ids,
  z.strictObject({ externalIds: ids.optional(), subscriberIds: ids.optional() }),
]);
/**
 * `{ add?: [externalId], remove?: [externalId] }`, and for bare subscribers either
 * `subscriberIds: [...]` (added) or `add: { subscriberIds: [...] }` / `remove: {...}`.
 */
export const membersChangeSchema = z.strictObject({
  add: memberList.optional(),
  remove: memberList.optional(),
  externalIds: ids.optional(),
  subscriberIds: ids.optional(),
});

function toMembers(list: z.output<typeof memberList> | undefined): Member[] {
  if (!list) return [];
  if (Array.isArray(list)) return list.map((id) => ({ type: 'user', id }));
  return [
    ...(list.externalIds ?? []).map((id) => ({ type: 'user' as const, id })),
    ...(list.subscriberIds ?? []).map((id) => ({ type: 'subscriber' as const, id })),
  ];
}

/** A size, or why a rule stored before rules were checked when saved cannot be sized. */
type Sized = { size: AudienceSize } | { size: null; ruleError: string };

function audienceJson(a: Audience, sized?: Sized) {
  return {
    id: a.id,
    name: a.name,
    key: a.key,
    type: a.rule === null ? 'manual' : 'rule',
    rule: a.rule,
    ...sized,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export const audiencePreviewSchema = z.strictObject({
  rule: z.record(z.string(), z.unknown()),
});

/** Turns rule problems into 400s that name the exact bad part (`rule.event.where.plan.gt`). */
async function checkRule(
  deps: AppDeps,
  workspaceId: string,
  id: string | null,
  rule: unknown,
): Promise<ParsedRule> {
  let parsed: ParsedRule;
  try {
    parsed = parseRule(rule);
  } catch (error) {
    if (error instanceof InvalidRuleError) throw invalidRule([ruleError(error)]);
    throw error;
  }
  try {
    await deps.store.audiences.validateNesting(workspaceId, id, parsed);
    return parsed;
  } catch (error) {
    if (error instanceof AudienceNotFoundError) {
      // A missing id and another workspace's id look the same: neither is found here.
      const refs = audienceReferences(parsed).filter((r) => error.ids.includes(r.id));
      throw invalidRule(
        refs.length > 0
          ? refs.map((r) => ({ path: r.path, message: `no such audience ${r.id}` }))
          : [{ path: 'rule', message: error.message }],
      );
    }
    if (error instanceof AudienceCycleError)
      throw invalidRule([{ path: 'rule', message: error.message }]);
    if (error instanceof InvalidRuleError) {
      // Not this rule (it parsed): the stored rule of an audience it nests.
      throw invalidRule([{ path: 'rule', message: `a nested audience: ${error.message}` }]);
    }
    throw error;
  }
}

function ruleError(error: InvalidRuleError): FieldError {
  return { path: error.path || 'rule', message: error.reason };
}

function invalidRule(errors: FieldError[]): ProblemError {
  return new ProblemError(
    400,
    'Invalid request',
    errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    errors,
  );
}

export function audienceRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const app = new Hono<AppEnv>();

  /**
   * One audience whose stored rule cannot run (saved before rules were checked) shows
   * `size: null` and the reason, so it can be fixed with PATCH; it never breaks the list.
   */
  async function sized(audience: Audience, now: number): Promise<Sized> {
    try {
      return { size: await store.audiences.size(audience, now) };
    } catch (error) {
      if (!(error instanceof InvalidRuleError)) throw error;
      deps.log(`audience ${audience.id} cannot be sized: ${error.message}`);
      return { size: null, ruleError: error.message };
    }
  }

  async function find(workspaceId: string, id: string) {
    const audience = await store.audiences.get(workspaceId, id);
    if (!audience) throw notFound('Audience');
    return audience;
  }

  app.post('/', async (c) => {
    const workspaceId = c.get('workspace').id;
    const input = await readJson(c, audienceCreateSchema);
    if (input.rule) await checkRule(deps, workspaceId, null, input.rule);
    const audience = await store.audiences.create(
      { workspaceId, name: input.name, rule: input.rule ?? null },
      clock(),
    );
    return c.json(audienceJson(audience), 201);
  });

  app.get('/', async (c) => {
    const page = await store.audiences.list(c.get('workspace').id, readQuery(c, pageQuerySchema));
    const now = clock();
    const data = [];
    // One size query per audience on the page, one at a time: SQLite has one connection.
    for (const a of page.data) data.push(audienceJson(a, await sized(a, now)));
    return c.json({ data, nextCursor: page.nextCursor });
  });

  /** `POST /v1/audiences/preview {rule}` → `{ size: {users, subscribers} }`; nothing is stored. */
  app.post('/preview', async (c) => {
    const workspaceId = c.get('workspace').id;
    const { rule } = await readJson(c, audiencePreviewSchema);
    const parsed = await checkRule(deps, workspaceId, null, rule);
    const size = await store.audiences.previewSize(workspaceId, parsed, clock());
    return c.json({ size });
  });

  app.get('/:id', async (c) => {
    const audience = await find(c.get('workspace').id, c.req.param('id'));
    return c.json(audienceJson(audience, await sized(audience, clock())));
  });

  app.patch('/:id', async (c) => {
    const workspaceId = c.get('workspace').id;
    const audience = await find(workspaceId, c.req.param('id'));
    const patch = await readJson(c, audiencePatchSchema);
    if (patch.rule !== undefined && (patch.rule === null) !== (audience.rule === null)) {
      throw new ProblemError(
        400,
        'Invalid request',
        'An audience cannot change between manual and rule',
        [{ path: 'rule', message: 'create a new audience instead' }],
      );
    }
    if (patch.rule) await checkRule(deps, workspaceId, audience.id, patch.rule);
    const updated = await store.audiences.update(workspaceId, audience.id, patch, clock());
    return c.json(audienceJson(updated ?? audience));
  });

  app.delete('/:id', async (c) => {
    const workspaceId = c.get('workspace').id;
    const audience = await find(workspaceId, c.req.param('id'));
    const users = await store.audiences.referencing(workspaceId, audience.id);
    if (users.length > 0) {
      throw new ProblemError(
        409,
        'Conflict',
        `Audience is used by ${users.map((a) => a.id).join(', ')}`,
      );
    }
    await store.audiences.delete(workspaceId, audience.id);
    return c.body(null, 204);
  });

  app.post('/:id/members', async (c) => {
    const workspaceId = c.get('workspace').id;
    const audience = await find(workspaceId, c.req.param('id'));
    if (audience.rule !== null) {
      throw new ProblemError(
        409,
        'Conflict',
        'The members of a rule audience follow from its rule',
      );
    }
    const idempotencyKey = c.req.header('idempotency-key');
    if (idempotencyKey) {
      const first = await store.idempotency.find<{ jobId: string }>(
        workspaceId,
        idempotencyKey,
        clock(),
      );
      if (first) return c.json(first, 202);
    }
    // 100k ids are a few MB of JSON: this route reads more than the default limit.
    const input = await readJson(c, membersChangeSchema, { maxBytes: 64 * 1024 * 1024 });
    const add = [
      ...toMembers(input.add),
      ...(input.externalIds ?? []).map((id) => ({ type: 'user' as const, id })),
      ...(input.subscriberIds ?? []).map((id) => ({ type: 'subscriber' as const, id })),
    ];
    const remove = toMembers(input.remove);
    if (add.length + remove.length === 0) {
      throw new ProblemError(400, 'Invalid request', 'Name members to add or remove', [
        { path: 'add', message: 'add or remove at least one member' },
      ]);
    }
    const now = clock();
    const { payload, chunks } = membersJobInput(audience.id, add, remove);
    const jobId = await store.db.kysely.transaction().execute(async (trx) => {
      const id = await store.jobs.enqueue(
        { workspaceId, kind: AUDIENCE_MEMBERS_JOB, payload, runAt: now },
        now,
        trx,
      );
      await store.jobChunks.put(id, workspaceId, chunks, trx);
      if (idempotencyKey)
        await store.idempotency.claim(workspaceId, idempotencyKey, { jobId: id }, now, trx);
      return id;
    });
    deps.wake();
    return c.json({ jobId }, 202);
  });

  app.get('/:id/members', async (c) => {
    const audience = await find(c.get('workspace').id, c.req.param('id'));
    const page = await store.audiences.members(audience, readQuery(c, pageQuerySchema), clock());
    return c.json(page);
  });

  return app;
}
