import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { InvalidRuleError } from '../../domain/conditions.ts';
import {
  checkDefinition,
  findLoop,
  type Step,
  type TriggerDefinition,
} from '../../domain/trigger.ts';
import type { Trigger } from '../../storage/triggers.ts';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonBody,
  jsonResponse,
  noContent,
  pageOf,
  problemResponses,
} from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError, type FieldError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { contentOverrideSchema, ttlSchema, urgencySchema } from '../schemas.ts';

const where = z.record(z.string(), z.unknown());
/** One step of a trigger; the same content override and urgency as a direct send. */
const stepSchema = z.union([
  z.strictObject({ wait: z.string().min(2).max(40) }),
  z.strictObject({
    unless: z.strictObject({ event: z.string().min(1).max(200), where: where.optional() }),
  }),
  z.strictObject({
    send: z.strictObject({
      campaignId: z.string().min(1),
      messageId: z.string().min(1).optional(),
      override: contentOverrideSchema.optional(),
      ttl: ttlSchema.optional(),
      urgency: urgencySchema.optional(),
      ignoreCapping: z.boolean().optional(),
    }),
  }),
  z.strictObject({ addTo: z.string().min(1) }),
  z.strictObject({ removeFrom: z.string().min(1) }),
]) satisfies z.ZodType<Step>;
const reentrySchema = z.union([
  z.strictObject({ once: z.literal(true) }),
  z.strictObject({ afterDays: z.number().min(0).max(3650) }),
]);
export const triggerSchema = z.strictObject({
  name: z.string().min(1).max(200),
  on: z.strictObject({ event: z.string().min(1).max(200), where: where.optional() }),
  steps: z.array(stepSchema).min(1).max(50),
  reentry: reentrySchema.nullable().optional(),
  active: z.boolean().default(true),
});
export const triggerPatchSchema = triggerSchema
  .partial()
  .extend({ active: z.boolean().optional() });

const count = z.number().int();
export const triggerResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    on: triggerSchema.shape.on,
    steps: z.array(stepSchema),
    reentry: z
      .object({ once: z.boolean().optional(), afterDays: z.number().optional() })
      .nullable(),
    active: z.boolean(),
    stats: z.object({
      fired: count,
      cancelled: count,
      sent: count,
      capped: count,
      completed: count,
      stopped: count,
      waiting: count.optional().describe('Runs waiting now (on one trigger, not in the list)'),
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Trigger' });

const tags = ['Triggers'];
const route = <R extends Parameters<typeof createRoute>[0]>(r: R) =>
  createRoute({ tags, security: apiKeySecurity, ...r });

const createTrigger = route({
  method: 'post',
  path: '/',
  summary: 'Create a trigger: on an event, run its steps (wait, unless, send, addTo, removeFrom)',
  request: { body: jsonBody(triggerSchema) },
  responses: { 201: jsonResponse('The new trigger', triggerResponseSchema), ...problemResponses },
});

const listTriggers = route({
  method: 'get',
  path: '/',
  summary: "The workspace's triggers",
  responses: {
    200: jsonResponse('Every trigger (one page)', pageOf(triggerResponseSchema)),
    ...problemResponses,
  },
});

const getTrigger = route({
  method: 'get',
  path: '/{id}',
  summary: 'A trigger, its stats and the runs waiting',
  request: { params: idParams },
  responses: { 200: jsonResponse('The trigger', triggerResponseSchema), ...problemResponses },
});

const updateTrigger = route({
  method: 'patch',
  path: '/{id}',
  summary: 'Update a trigger (what is given changes)',
  request: { params: idParams, body: jsonBody(triggerPatchSchema) },
  responses: {
    200: jsonResponse('The updated trigger', triggerResponseSchema),
    ...problemResponses,
  },
});

const deleteTrigger = route({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a trigger (its waiting runs stop)',
  request: { params: idParams },
  responses: { 204: noContent('Deleted'), ...problemResponses },
});

function triggerJson(t: Trigger, waiting?: number): z.input<typeof triggerResponseSchema> {
  return {
    id: t.id,
    name: t.name,
    on: t.definition.on,
    steps: t.definition.steps,
    reentry: t.reentry,
    active: t.active,
    stats: { ...t.stats, ...(waiting !== undefined && { waiting }) },
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** `/v1/triggers`: event-chain rules (on event → wait / unless / send / addTo / removeFrom). */
export function triggerRoutes({ store, clock }: AppDeps) {
  const app = createRouter();

  const invalid = (errors: FieldError[]) =>
    new ProblemError(
      400,
      'Invalid request',
      errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      errors,
    );

  /** Everything a definition refers to exists, and together with the others it cannot loop. */
  async function check(workspaceId: string, id: string | null, def: TriggerDefinition) {
    try {
      checkDefinition(def);
    } catch (error) {
      if (error instanceof InvalidRuleError)
        throw invalid([{ path: error.path || 'steps', message: error.reason }]);
      throw error;
    }
    const errors: FieldError[] = [];
    for (const [i, step] of def.steps.entries()) {
      if ('send' in step) {
        const campaign = await store.campaigns.get(workspaceId, step.send.campaignId);
        if (!campaign)
          errors.push({ path: `steps.${i}.send.campaignId`, message: 'no such campaign' });
        else if (
          step.send.messageId &&
          !campaign.messages.some((m) => m.id === step.send.messageId)
        ) {
          errors.push({
            path: `steps.${i}.send.messageId`,
            message: 'no such message in the campaign',
          });
        }
      }
      const audienceId =
        'addTo' in step ? step.addTo : 'removeFrom' in step ? step.removeFrom : null;
      if (audienceId) {
        const audience = await store.audiences.get(workspaceId, audienceId);
        if (!audience)
          errors.push({ path: `steps.${i}`, message: `no such audience ${audienceId}` });
        else if (audience.rule !== null) {
          errors.push({
            path: `steps.${i}`,
            message: 'only manual audiences take members from a trigger',
          });
        }
      }
    }
    if (errors.length > 0) throw invalid(errors);
    const others = (await store.triggers.list(workspaceId)).filter((t) => t.id !== id);
    const loop = findLoop([
      ...others.map((t) => ({ id: t.id, def: t.definition })),
      { id: id ?? 'this trigger', def },
    ]);
    if (loop) {
      throw invalid([
        {
          path: 'steps',
          message: `the triggers would feed each other forever: ${loop.join(' → ')}`,
        },
      ]);
    }
  }

  handle(app, createTrigger, async (c, { body: input }) => {
    const workspaceId = c.get('workspace').id;
    const definition: TriggerDefinition = { on: input.on, steps: input.steps };
    await check(workspaceId, null, definition);
    const trigger = await store.triggers.create(
      {
        workspaceId,
        name: input.name,
        definition,
        reentry: input.reentry ?? null,
        active: input.active,
      },
      clock(),
    );
    return c.json(triggerJson(trigger, 0), 201);
  });

  handle(app, listTriggers, async (c) => {
    const triggers = await store.triggers.list(c.get('workspace').id);
    return c.json({ data: triggers.map((t) => triggerJson(t)), nextCursor: null });
  });

  handle(app, getTrigger, async (c, { params }) => {
    const trigger = await store.triggers.get(c.get('workspace').id, params.id);
    if (!trigger) throw notFound('Trigger');
    return c.json(triggerJson(trigger, await store.triggers.waitingCount(trigger.id)));
  });

  handle(app, updateTrigger, async (c, { params, body: patch }) => {
    const workspaceId = c.get('workspace').id;
    const current = await store.triggers.get(workspaceId, params.id);
    if (!current) throw notFound('Trigger');
    const definition: TriggerDefinition = {
      on: patch.on ?? current.definition.on,
      steps: patch.steps ?? current.definition.steps,
    };
    if (patch.on || patch.steps) await check(workspaceId, current.id, definition);
    const trigger = await store.triggers.update(
      workspaceId,
      current.id,
      {
        name: patch.name,
        active: patch.active,
        reentry: patch.reentry,
        ...((patch.on || patch.steps) && { definition }),
      },
      clock(),
    );
    return c.json(triggerJson(trigger ?? current, await store.triggers.waitingCount(current.id)));
  });

  handle(app, deleteTrigger, async (c, { params }) => {
    const workspaceId = c.get('workspace').id;
    const trigger = await store.triggers.get(workspaceId, params.id);
    if (!trigger) throw notFound('Trigger');
    await store.triggers.delete(workspaceId, trigger.id);
    return c.body(null, 204);
  });

  return app;
}
