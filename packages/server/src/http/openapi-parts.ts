import { z } from 'zod';

/**
 * Pieces every route declaration shares: how it is authenticated and what its errors look like.
 * Keeping them here means a route states only what is its own.
 */

/** Routes behind an API key (or, for the dashboard, a session cookie). */
export const apiKeySecurity = [{ apiKey: [] }];

/** The Segment-style ingestion calls: the key as a Bearer token or as a Basic user name. */
export const writeKeySecurity: Record<string, string[]>[] = [{ apiKey: [] }, { writeKey: [] }];

/** RFC 9457 problem details, the body of every 4xx and 5xx answer. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

export const problemResponses = {
  '4XX': {
    description: 'An RFC 9457 problem',
    content: { 'application/problem+json': { schema: problemSchema } },
  },
} as const;

/** A JSON success answer with its schema. */
export const jsonResponse = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A request body of JSON validated by `schema`. */
export const jsonBody = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** `{id}` in the path. */
export const idParams = z.object({ id: z.string().min(1).max(256) });

/**
 * A body the browser may send as `text/plain` too: `navigator.sendBeacon` can send nothing
 * else without a CORS preflight. Both are read as JSON by the same guards (validate.ts).
 */
export const beaconBody = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { 'application/json': { schema }, 'text/plain': { schema } },
});

/** An answer without a body. */
export const noContent = (description: string) => ({ description });

/** One page of a cursor-paginated list (API.md conventions). */
export const pageOf = <S extends z.ZodType>(item: S) =>
  z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` for the next page; null at the end'),
  });

/** `Idempotency-Key` on POSTs that send or import: a repeat answers the first result. */
export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('A repeat within 24 hours answers what the first request answered'),
});

/** `202 { jobId }`: the work goes on in the background; poll `GET /v1/jobs/{id}`. */
export const jobAcceptedSchema = z.object({ jobId: z.string() });
