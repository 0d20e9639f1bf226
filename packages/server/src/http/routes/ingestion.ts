import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { acceptCalls } from '../../ingestion/ingest-calls.ts';
import type { RouteDeps } from '../context.ts';
import { jsonBody, jsonResponse, problemResponses, writeKeySecurity } from '../openapi-parts.ts';
import { ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { parseJsonSafely } from '../json-guard.ts';
import { fastBatch } from '../segment-fast.ts';
import { parseWith, readBodyText } from '../validate.ts';
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

const tags = ['Ingestion (Segment spec)'];
const count = z.number().int();
const ingestedSchema = z
  .object({
    success: z.literal(true),
    recorded: count,
    duplicates: count.describe('Calls whose messageId was already recorded'),
    dropped: count.describe('Calls with only an anonymousId (accepted, not kept)'),
  })
  .meta({ id: 'Ingested' });

const gzipNote = 'Bodies may be sent with `Content-Encoding: gzip` or `deflate`.';

/** One route per single-call type: the body is that call without its `type`. */
const SINGLE_CALLS = [
  {
    type: 'identify',
    schema: segmentIdentifySchema,
    summary: "Segment identify: the user's traits",
  },
  { type: 'track', schema: segmentTrackSchema, summary: 'Segment track: an event' },
  { type: 'page', schema: segmentPageSchema, summary: 'Segment page: a page view' },
  { type: 'screen', schema: segmentScreenSchema, summary: 'Segment screen (recorded like page)' },
  { type: 'group', schema: segmentGroupSchema, summary: "Segment group (the user's group trait)" },
  {
    type: 'alias',
    schema: segmentAliasSchema,
    summary: "Segment alias (previousId's data moves to userId)",
  },
] as const;

const batchRoute = createRoute({
  method: 'post',
  path: '/batch',
  summary: 'Segment batch: up to 2,500 calls of any type',
  description: gzipNote,
  tags,
  security: writeKeySecurity,
  request: { body: jsonBody(segmentBatchSchema) },
  responses: { 200: jsonResponse('Ingested', ingestedSchema), ...problemResponses },
});

/**
 * `POST /v1/identify|track|page|screen|group|alias|batch` in Segment's spec, so a Segment,
 * RudderStack or analytics.js pipeline can point at Beckon. Beckon keys users by `userId`:
 * a call with only an `anonymousId` is accepted and dropped (and counted as dropped); one
 * with neither is refused. `messageId` de-duplicates events.
 */
export function ingestionRoutes(deps: RouteDeps) {
  const app = createRouter();

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
      success: true as const,
      recorded: result.recorded,
      duplicates: result.duplicates,
      dropped: result.dropped,
    };
  }

  for (const { type, schema, summary } of SINGLE_CALLS) {
    const route = createRoute({
      method: 'post',
      path: `/${type}`,
      summary,
      description: gzipNote,
      tags,
      security: writeKeySecurity,
      request: { body: jsonBody(schema as z.ZodType<object>) },
      responses: { 200: jsonResponse('Ingested', ingestedSchema), ...problemResponses },
    });
    handle(app, route, async (c, { body }) => {
      const call = { ...body, type } as SegmentCall;
      return c.json(await ingest(c.get('workspace').id, [call]));
    });
  }

  // The body is read here so the usual batch skips zod (segment-fast.ts); the schema still
  // documents it and judges anything the fast path leaves to it.
  handle(
    app,
    batchRoute,
    async (c) => {
      const json = parseJsonSafely(await readBodyText(c));
      const { batch } = fastBatch(json) ?? parseWith(segmentBatchSchema, json, 'body');
      return c.json(await ingest(c.get('workspace').id, batch));
    },
    { rawBody: true },
  );

  return app;
}
