import type { Context } from 'hono';
import type { z } from 'zod';
import { ProblemError, validationProblem } from './problem.ts';

/** Largest JSON body we read; a push payload is 4 KB, a batch of events a few hundred. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads and validates a JSON body. Junk JSON and schema failures become 400 problems;
 * `text/plain` is accepted too because `navigator.sendBeacon` can only send that without a
 * CORS preflight.
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { maxBytes?: number } = {},
): Promise<z.output<S>> {
  const raw = await readBodyText(c, opts.maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ProblemError(400, 'Malformed JSON', 'The request body is not valid JSON');
  }
  return parseWith(schema, value, 'body');
}

export async function readBodyText(c: Context, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const tooLarge = new ProblemError(413, 'Payload Too Large', `The body exceeds ${maxBytes} bytes`);
  if (Number(c.req.header('content-length') ?? 0) > maxBytes) throw tooLarge;
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBytes) throw tooLarge;
  return text;
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
