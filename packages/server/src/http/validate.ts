import type { Context } from 'hono';
import type { z } from 'zod';
import { DEFAULT_BODY_LIMIT, readBody, readNodeBody } from './body.ts';
import { parseJsonSafely } from './json-guard.ts';
import { validationProblem } from './problem.ts';

/**
 * Reads and validates a JSON body. Junk JSON, JSON nested deeper than 64 levels or holding
 * NUL, and schema failures become 400 problems; a body over the limit is a 413 while it
 * streams. `text/plain` is accepted too because `navigator.sendBeacon` can only send that
 * without a CORS preflight.
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { maxBytes?: number } = {},
): Promise<z.output<S>> {
  const value = parseJsonSafely(await readBodyText(c, opts.maxBytes));
  return parseWith(schema, value, 'body');
}

/** The body as UTF-8 text, read under the limit (see `readBody`). */
export async function readBodyText(c: Context, maxBytes = DEFAULT_BODY_LIMIT): Promise<string> {
  const fromNode = readNodeBody(
    (c.env as { incoming?: unknown } | undefined)?.incoming,
    { encoding: c.req.header('content-encoding'), length: c.req.header('content-length') },
    maxBytes,
  );
  return (await (fromNode ?? readBody(c.req.raw, maxBytes))).toString('utf8');
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), 'query');
}
