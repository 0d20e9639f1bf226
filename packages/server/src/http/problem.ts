import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error type of the HTTP layer; `app.onError` turns it into an RFC 9457
 * `application/problem+json` response. Anything else thrown is a bug and becomes a 500
 * without details (never a stack trace).
 */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string) => new ProblemError(404, 'Not Found', `${what} not found`);

export function validationProblem(error: ZodError, where = 'body'): ProblemError {
  const errors = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || where,
    message: issue.message,
  }));
  const first = errors[0];
  return new ProblemError(
    400,
    'Invalid request',
    first ? `${first.path}: ${first.message}` : 'The request is invalid',
    errors,
  );
}

const TYPES: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  500: 'internal-error',
};

export function problemResponse(c: Context, problem: ProblemError): Response {
  const body = {
    type: `https://beckon.dev/problems/${TYPES[problem.status] ?? 'error'}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail ?? problem.title,
    ...(problem.errors && { errors: problem.errors }),
  };
  return c.body(JSON.stringify(body), problem.status, {
    'Content-Type': 'application/problem+json',
  });
}
