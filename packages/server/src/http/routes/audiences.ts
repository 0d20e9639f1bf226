import { createRoute } from '@hono/zod-openapi';
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
import type { AppDeps } from '../context.ts';
import { replayIdempotent } from '../idempotent.ts';
import {
  apiKeySecurity,
  idempotencyHeaders,
  idParams,
  jobAcceptedSchema,
  jsonBody,
  jsonResponse,
  noContent,
  pageOf,
  problemResponses,
} from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError, type FieldError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { pageQuerySchema } from '../schemas.ts';

/** An audience rule (API.md "Conditions"); checked by `parseRule`, which names the bad part. */
const ruleSchema = z.record(z.string(), z.unknown()).meta({
  id: 'AudienceRule',
  description: 'event, trait, category, site, subscribedBetween, inAudience; all/any/not',
});

export const audienceCreateSchema = z.strictObject({
  name: z.string().min(1).max(200),
  rule: ruleSchema.nullable().optional().describe('None: a manual audience'),
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

const count = z.number().int();
const sizeSchema = z.object({ users: count, subscribers: count.describe('Reachable browsers') });

export const audienceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    key: z.string().describe('The snake_cased name, as Segment Engage traits name it'),
    type: z.enum(['manual', 'rule']),
    rule: z.record(z.string(), z.unknown()).nullable(),
    size: sizeSchema
      .nullable()
      .optional()
      .describe('null when a rule stored before rules were checked cannot run'),
    ruleError: z.string().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Audience' });

function audienceJson(a: Audience, sized?: Sized): z.input<typeof audienceSchema> {
  return {
    id: a.id,
    name: a.name,
    key: a.key,
    type: a.rule === null ? ('manual' as const) : ('rule' as const),
    rule: a.rule as Record<string, unknown> | null,
    ...sized,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export const audiencePreviewSchema = z.strictObject({ rule: ruleSchema });

const memberSchema = z.union([
  z.object({ externalId: z.string() }),
  z.object({ subscriberId: z.string() }),
]);

const tags = ['Audiences'];
const route = <R extends Parameters<typeof createRoute>[0]>(r: R) =>
  createRoute({ tags, security: apiKeySecurity, ...r });

const createAudience = route({
  method: 'post',
  path: '/',
  summary: 'Create an audience (no rule: manual)',
  request: { body: jsonBody(audienceCreateSchema) },
  responses: { 201: jsonResponse('The new audience', audienceSchema), ...problemResponses },
});

const listAudiences = route({
  method: 'get',
  path: '/',
  summary: 'List audiences, with their sizes',
  request: { query: pageQuerySchema },
  responses: {
    200: jsonResponse('One page of audiences', pageOf(audienceSchema)),
    ...problemResponses,
  },
});

const previewAudience = route({
  method: 'post',
  path: '/preview',
  summary: 'The size a rule would have (nothing is stored)',
  request: { body: jsonBody(audiencePreviewSchema) },
  responses: {
    200: jsonResponse('Its size now', z.object({ size: sizeSchema })),
    ...problemResponses,
  },
});

const getAudience = route({
  method: 'get',
  path: '/{id}',
  summary: 'An audience and its size',
  request: { params: idParams },
  responses: { 200: jsonResponse('The audience', audienceSchema), ...problemResponses },
});

const updateAudience = route({
  method: 'patch',
  path: '/{id}',
  summary: 'Rename an audience or change its rule (never manual ↔ rule)',
  request: { params: idParams, body: jsonBody(audiencePatchSchema) },
  responses: { 200: jsonResponse('The updated audience', audienceSchema), ...problemResponses },
});

const deleteAudience = route({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete an audience (409 while a rule, trigger or campaign uses it)',
  request: { params: idParams },
  responses: { 204: noContent('Deleted'), ...problemResponses },
});

const changeMembers = route({
  method: 'post',
  path: '/{id}/members',
  summary: "Add or remove a manual audience's members, as a job (Idempotency-Key supported)",
  description: 'Bodies up to 64 MB.',
  request: { params: idParams, headers: idempotencyHeaders, body: jsonBody(membersChangeSchema) },
  responses: { 202: jsonResponse('The job', jobAcceptedSchema), ...problemResponses },
});

const listMembers = route({
  method: 'get',
  path: '/{id}/members',
  summary: "An audience's members: users by externalId, bare subscribers by subscriberId",
  request: { params: idParams, query: pageQuerySchema },
  responses: {
    200: jsonResponse('One page of members', pageOf(memberSchema)),
    ...problemResponses,
  },
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
  const app = createRouter();

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

  handle(app, createAudience, async (c, { body: input }) => {
    const workspaceId = c.get('workspace').id;
    if (input.rule) await checkRule(deps, workspaceId, null, input.rule);
    const audience = await store.audiences.create(
      { workspaceId, name: input.name, rule: input.rule ?? null },
      clock(),
    );
    return c.json(audienceJson(audience), 201);
  });

  handle(app, listAudiences, async (c, { query }) => {
    const page = await store.audiences.list(c.get('workspace').id, query);
    const now = clock();
    const data = [];
    // One size query per audience on the page, one at a time: SQLite has one connection.
    for (const a of page.data) data.push(audienceJson(a, await sized(a, now)));
    return c.json({ data, nextCursor: page.nextCursor });
  });

  /** `POST /v1/audiences/preview {rule}` → `{ size: {users, subscribers} }`; nothing is stored. */
  handle(app, previewAudience, async (c, { body: { rule } }) => {
    const workspaceId = c.get('workspace').id;
    const parsed = await checkRule(deps, workspaceId, null, rule);
    const size = await store.audiences.previewSize(workspaceId, parsed, clock());
    return c.json({ size });
  });

  handle(app, getAudience, async (c, { params }) => {
    const audience = await find(c.get('workspace').id, params.id);
    return c.json(audienceJson(audience, await sized(audience, clock())));
  });

  handle(app, updateAudience, async (c, { params, body: patch }) => {
    const workspaceId = c.get('workspace').id;
    const audience = await find(workspaceId, params.id);
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

  handle(app, deleteAudience, async (c, { params }) => {
    const workspaceId = c.get('workspace').id;
    const audience = await find(workspaceId, params.id);
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

  handle(
    app,
    changeMembers,
    async (c, { params, body: input }) => {
      const workspaceId = c.get('workspace').id;
      const audience = await find(workspaceId, params.id);
      if (audience.rule !== null) {
        throw new ProblemError(
          409,
          'Conflict',
          'The members of a rule audience follow from its rule',
        );
      }
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
      // The ids go in chunk rows beside the job, not in its payload (see members-job.ts).
      const { payload, chunks } = membersJobInput(audience.id, add, remove);
      const idempotencyKey = c.req.header('idempotency-key');
      const accepted = await store.idempotency.once(
        workspaceId,
        idempotencyKey,
        now,
        async (trx) => {
          const jobId = await store.jobs.enqueue(
            { workspaceId, kind: AUDIENCE_MEMBERS_JOB, payload, runAt: now },
            now,
            trx,
          );
          await store.jobChunks.put(jobId, workspaceId, chunks, trx);
          return { jobId };
        },
      );
      deps.wake();
      return c.json(accepted, 202);
    },
    // 100k ids are a few MB of JSON: this route reads more than the default limit.
    { maxBytes: 64 * 1024 * 1024, before: [replayIdempotent(deps)] },
  );

  handle(app, listMembers, async (c, { params, query }) => {
    const audience = await find(c.get('workspace').id, params.id);
    const page = await store.audiences.members(audience, query, clock());
    return c.json(page);
  });

  return app;
}
