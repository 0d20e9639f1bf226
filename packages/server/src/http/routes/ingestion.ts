import { Hono } from 'hono';
import { recordEvents, type IncomingEvent } from '../../ingestion/record-events.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ProblemError } from '../problem.ts';
import {
  segmentBatchSchema,
  segmentIdentifySchema,
  segmentPageSchema,
  segmentTrackSchema,
  type SegmentCall,
} from '../segment-schemas.ts';
import { readJson } from '../validate.ts';

/**
 * `POST /v1/identify|track|page|batch` in Segment's spec, so a Segment, RudderStack or
 * analytics.js pipeline can point at Beckon. Beckon keys users by `userId`: a call with
 * only an `anonymousId` is accepted and dropped (and counted as dropped); one with neither
 * is refused. `messageId` de-duplicates.
 */
export function ingestionRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  async function ingest(workspaceId: string, calls: SegmentCall[]) {
    calls.forEach((call, i) => {
      if (!call.userId && !call.anonymousId) {
        throw new ProblemError(
          400,
          'Invalid request',
          'Every call needs a userId or an anonymousId',
          [
            {
              path: calls.length > 1 ? `batch.${i}.userId` : 'userId',
              message: 'userId or anonymousId is required',
            },
          ],
        );
      }
    });
    const now = deps.clock();
    const kept = calls.filter(
      (c): c is Exclude<SegmentCall, { type: 'group' | 'alias' }> =>
        Boolean(c.userId) && c.type !== 'group' && c.type !== 'alias',
    );
    const events: IncomingEvent[] = kept.map((c) => ({
      type: c.type === 'screen' ? 'page' : c.type,
      name: c.type === 'track' ? c.event : c.type === 'identify' ? null : (c.name ?? null),
      properties: c.type === 'identify' ? {} : (c.properties ?? {}),
      traits: c.type === 'identify' ? (c.traits ?? {}) : {},
      externalId: c.userId ?? null,
      anonymousId: c.anonymousId ?? null,
      subscriberId: null,
      messageId: c.messageId ?? null,
      occurredAt: c.timestamp ?? c.originalTimestamp ?? now,
    }));
    const result = await recordEvents(
      deps.store,
      { workspaceId, siteId: null, source: 'private' },
      events,
      now,
    );
    const dropped = calls.filter((c) => !c.userId).length;
    await deps.store.events.countIngestion(workspaceId, {
      received: calls.length,
      dropped,
      duplicates: result.duplicates,
    });
    await deps.onEvents?.(workspaceId, result.fresh);
    deps.wake();
    return { success: true, recorded: result.recorded, duplicates: result.duplicates, dropped };
  }

  app.post('/identify', async (c) => {
    const call = await readJson(c, segmentIdentifySchema);
    return c.json(await ingest(c.get('workspace').id, [{ ...call, type: 'identify' }]));
  });
  app.post('/track', async (c) => {
    const call = await readJson(c, segmentTrackSchema);
    return c.json(await ingest(c.get('workspace').id, [{ ...call, type: 'track' }]));
  });
  app.post('/page', async (c) => {
    const call = await readJson(c, segmentPageSchema);
    return c.json(await ingest(c.get('workspace').id, [{ ...call, type: 'page' }]));
  });
  app.post('/batch', async (c) => {
    const { batch } = await readJson(c, segmentBatchSchema);
    return c.json(await ingest(c.get('workspace').id, batch));
  });

  return app;
}
