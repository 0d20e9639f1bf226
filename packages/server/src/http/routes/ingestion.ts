import { Hono } from 'hono';
import type { z } from 'zod';
import { acceptCalls } from '../../ingestion/ingest-calls.ts';
import type { AppEnv, RouteDeps } from '../context.ts';
import { ProblemError } from '../problem.ts';
import {
  segmentAliasSchema,
  segmentBatchSchema,
  segmentGroupSchema,
  segmentIdentifySchema,
  segmentPageSchema,
  segmentScreenSchema,
  segmentTrackSchema,
  type SegmentCall,
} from '../segment-schemas.ts';
import { readJson } from '../validate.ts';

/**
 * `POST /v1/identify|track|page|screen|group|alias|batch` in Segment's spec, so a Segment,
 * RudderStack or analytics.js pipeline can point at Beckon. Beckon keys users by `userId`:
 * a call with only an `anonymousId` is accepted and dropped (and counted as dropped); one
 * with neither is refused. `messageId` de-duplicates events.
 */
export function ingestionRoutes(deps: RouteDeps) {
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
    const result = await acceptCalls(deps.intake, workspaceId, calls, deps.clock());
    return {
      success: true,
      recorded: result.recorded,
      duplicates: result.duplicates,
      dropped: result.dropped,
    };
  }

  /** One route per single-call type: the body is that call without its `type`. */
  function single<T extends SegmentCall['type']>(type: T, schema: z.ZodType<object>) {
    app.post(`/${type}`, async (c) => {
      const call = { ...(await readJson(c, schema)), type } as SegmentCall;
      return c.json(await ingest(c.get('workspace').id, [call]));
    });
  }
  single('identify', segmentIdentifySchema);
  single('track', segmentTrackSchema);
  single('page', segmentPageSchema);
  single('screen', segmentScreenSchema);
  single('group', segmentGroupSchema);
  single('alias', segmentAliasSchema);
  app.post('/batch', async (c) => {
    const { batch } = await readJson(c, segmentBatchSchema);
    return c.json(await ingest(c.get('workspace').id, batch));
  });

  return app;
}
