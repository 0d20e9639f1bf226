import { Hono } from 'hono';
import { z } from 'zod';
import { InvalidRuleError } from '../../domain/conditions.ts';
import { checkDefinition, findLoop, type TriggerDefinition } from '../../domain/trigger.ts';
import type { Trigger } from '../../storage/triggers.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError, type FieldError } from '../problem.ts';
import { contentOverrideSchema } from '../schemas.ts';
import { readJson } from '../validate.ts';

const where = z.record(z.string(), z.unknown());
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
      ttl: z.number().int().min(0).max(2_419_200).optional(),
      urgency: z.enum(['very-low', 'low', 'normal', 'high']).optional(),
      ignoreCapping: z.boolean().optional(),
    }),
  }),
  z.strictObject({ addTo: z.string().min(1) }),
  z.strictObject({ removeFrom: z.string().min(1) }),
]);
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

function triggerJson(t: Trigger, waiting?: number) {
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
  const app = new Hono<AppEnv>();

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

  app.post('/', async (c) => {
    const workspaceId = c.get('workspace').id;
    const input = await readJson(c, triggerSchema);
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

  app.get('/', async (c) => {
    const triggers = await store.triggers.list(c.get('workspace').id);
    return c.json({ data: triggers.map((t) => triggerJson(t)), nextCursor: null });
  });

  app.get('/:id', async (c) => {
    const trigger = await store.triggers.get(c.get('workspace').id, c.req.param('id'));
    if (!trigger) throw notFound('Trigger');
    return c.json(triggerJson(trigger, await store.triggers.waitingCount(trigger.id)));
  });

  app.patch('/:id', async (c) => {
    const workspaceId = c.get('workspace').id;
    const current = await store.triggers.get(workspaceId, c.req.param('id'));
    if (!current) throw notFound('Trigger');
    const patch = await readJson(c, triggerPatchSchema);
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

  app.delete('/:id', async (c) => {
    const workspaceId = c.get('workspace').id;
    const trigger = await store.triggers.get(workspaceId, c.req.param('id'));
    if (!trigger) throw notFound('Trigger');
    await store.triggers.delete(workspaceId, trigger.id);
    return c.body(null, 204);
  });

  return app;
}
