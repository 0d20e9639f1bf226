/**
 * The app's only way to the server: the `/v1` API itself, authenticated by the session
 * cookie (same origin, so the browser sends it and the server's Origin check passes).
 *
 * @example const page = await api.get<Page<Audience>>('/v1/audiences');
 */

export interface FieldError {
  path: string;
  message: string;
}

/** A problem+json answer (RFC 9457) turned into something a page can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }

  /** The message for a field, matched on its path (`rule.event.name`, `messages.0.title`). */
  fieldError(path: string): string | undefined {
    return this.errors.find((e) => e.path === path || e.path.endsWith(`.${path}`))?.message;
  }
}

/** Called when the server answers 401: the session ended (signed out elsewhere, expired). */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? safeParse(text) : undefined;
  if (!res.ok) {
    const problem = (json ?? {}) as { detail?: string; title?: string; errors?: FieldError[] };
    if (res.status === 401 && path !== '/v1/session') onUnauthorized();
    throw new ApiError(
      res.status,
      problem.detail ?? problem.title ?? `The server answered ${res.status}`,
      Array.isArray(problem.errors) ? problem.errors : [],
    );
  }
  return json as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}, headers?: Record<string, string>) =>
    request<T>('POST', path, body, headers),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};

/** `?a=1&b=2` from the defined entries only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== null && e[1] !== '',
  );
  if (entries.length === 0) return '';
  return '?' + new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString();
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
