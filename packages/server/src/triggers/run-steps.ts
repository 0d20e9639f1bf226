import { parseDuration } from '../domain/duration.ts';
import { resolveContent } from '../domain/payload.ts';
import { isTemplated } from '../domain/safe-content.ts';
import { AUDIENCE_ENTERED, AUDIENCE_EXITED, type Step } from '../domain/trigger.ts';
import { recordEvents } from '../ingestion/record-events.ts';
import { createNotification } from '../notifications/create-notification.ts';
import { fromJson } from '../storage/json.ts';
import type { Store } from '../storage/store.ts';
import type { Trigger, TriggerRun } from '../storage/triggers.ts';
import { startRuns } from './start-runs.ts';

const DEFAULT_SEND_TTL_S = 24 * 60 * 60;

/**
 * Runs a trigger's steps from where the run stands until it waits or ends. Each step's
 * effect and the run's new position are written together, so a run taken over after a
 * crash repeats nothing (a send's notification id is derived from the run and step).
 */
export function createStepRunner(deps: { store: Store; clock: () => number; wake: () => void }) {
  const { store, clock } = deps;

  /**
   * Did the run's user (or subscriber) do `event` since the run started? Both sides are the
   * server's receive times: a client's clock can be behind, and its event still counts.
   */
  function happenedSince(
    run: TriggerRun,
    unless: { event: string; where?: Record<string, unknown> },
  ) {
    return store.events.happenedSince({
      workspaceId: run.workspace_id,
      externalId: run.external_id,
      subscriberId: run.subscriber_id,
      event: unless.event,
      where: unless.where,
      since: run.started_at,
    });
  }

  async function send(
    trigger: Trigger,
    run: TriggerRun,
    stepIndex: number,
    step: Extract<Step, { send: unknown }>['send'],
  ) {
    const campaign = await store.campaigns.get(run.workspace_id, step.campaignId);
    const message =
      campaign &&
      (step.messageId
        ? campaign.messages.find((m) => m.id === step.messageId)
        : campaign.messages[0]);
    const now = clock();
    const id = `ntf_${run.id}_${stepIndex}`;
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    const fresh = campaign && message && !(await store.notifications.exists(id));
    await store.transaction(async (tx) => {
      if (fresh) {
        // Stored unrendered, with the event's properties only when a placeholder needs them:
        // each delivery renders it for its recipient and site and is checked for safe URLs and
        // size (delivery/render-for-delivery.ts), and feeds `sent` / `capped` to this trigger.
        const content = resolveContent(message, step.override);
        await createNotification(
          tx,
          {
            id,
            workspaceId: run.workspace_id,
            campaignId: campaign.id,
            messageId: message.id,
            content,
            target: run.external_id
              ? { externalIds: [run.external_id] }
              : { subscriberIds: [run.subscriber_id ?? ''] },
            ttl: step.ttl ?? DEFAULT_SEND_TTL_S,
            urgency: step.urgency ?? 'normal',
            topic: null,
            ignoreCapping: step.ignoreCapping ?? false,
            sendAt: now,
            triggerId: trigger.id,
            properties: isTemplated(content)
              ? fromJson<Record<string, unknown>>(run.properties, {})
              : null,
          },
          now,
        );
      }
      await tx.triggers.advance(
        run.id,
        { step: stepIndex + 1, status: 'waiting', wakeAt: now },
        now,
      );
    });
    deps.wake();
  }

  /** addTo / removeFrom a manual audience; a real change emits Audience Entered / Exited. */
  async function move(
    run: TriggerRun,
    stepIndex: number,
    audienceId: string,
    direction: 'add' | 'remove',
  ) {
    const audience = await store.audiences.get(run.workspace_id, audienceId);
    const now = clock();
    const member = run.external_id
      ? { type: 'user' as const, id: run.external_id }
      : { type: 'subscriber' as const, id: run.subscriber_id ?? '' };
    let changed = 0;
    await store.transaction(async (tx) => {
      if (audience && audience.rule === null) {
        changed =
          direction === 'add'
            ? await tx.audiences.addMembers(audience, [member], now)
            : await tx.audiences.removeMembers(audience, [member]);
      }
      await tx.triggers.advance(
        run.id,
        { step: stepIndex + 1, status: 'waiting', wakeAt: now },
        now,
      );
    });
    if (!audience || changed === 0) return;
    const { fresh } = await recordEvents(
      store,
      { workspaceId: run.workspace_id, siteId: null, source: 'private' },
      [
        {
          type: 'track',
          name: direction === 'add' ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
          properties: { audienceId: audience.id, audienceName: audience.name },
          traits: {},
          externalId: run.external_id,
          anonymousId: null,
          subscriberId: run.subscriber_id,
          messageId: null,
          occurredAt: now,
        },
      ],
      now,
    );
    await startRuns(store, run.workspace_id, fresh, now, fromJson<string[]>(run.chain, []));
  }

  return async function runSteps(trigger: Trigger | undefined, run: TriggerRun): Promise<void> {
    const now = clock();
    if (!trigger || !trigger.active) {
      await store.triggers.advance(run.id, { step: run.step, status: 'stopped', wakeAt: now }, now);
      return;
    }
    const steps = trigger.definition.steps;
    for (let index = run.step; index < steps.length;) {
      const step = steps[index]!;
      if ('wait' in step) {
        const at = clock() + parseDuration(step.wait);
        await store.triggers.advance(
          run.id,
          { step: index + 1, status: 'waiting', wakeAt: at },
          clock(),
        );
        return;
      }
      if ('unless' in step) {
        if (await happenedSince(run, step.unless)) {
          await store.transaction(async (tx) => {
            await tx.triggers.advance(
              run.id,
              { step: index, status: 'cancelled', wakeAt: clock() },
              clock(),
            );
            await tx.triggers.bump(trigger.id, 'cancelled', 1);
          });
          return;
        }
      } else if ('send' in step) {
        await send(trigger, run, index, step.send);
      } else if ('addTo' in step) {
        await move(run, index, step.addTo, 'add');
      } else if ('removeFrom' in step) {
        await move(run, index, step.removeFrom, 'remove');
      }
      index++;
    }
    await store.transaction(async (tx) => {
      await tx.triggers.advance(
        run.id,
        { step: steps.length, status: 'done', wakeAt: clock() },
        clock(),
      );
      await tx.triggers.bump(trigger.id, 'completed', 1);
    });
  };
}
