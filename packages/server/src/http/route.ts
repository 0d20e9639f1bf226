import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './context.ts';
import { parseWith, readJson } from './validate.ts';

/**
 * Routes are declared once, with `@hono/zod-openapi`'s `createRoute`: the declaration is the
 * OpenAPI document's entry, and its schemas validate the request. We register the handler
 * ourselves instead of through `app.openapi()` because a body must be read through our own
 * guards first (`readJson`: a streaming size limit, gzip, NUL and depth checks, `text/plain`
 * beacons), which Hono's validator would bypass by buffering `c.req.json()` whole.
 *
 * @example
 * const getSite = createRoute({ method: 'get', path: '/{id}', request: { params: idParams }, responses });
 * handle(app, getSite, async (c, { params }) => c.json(await load(params.id)));
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>();
}

export type Router = ReturnType<typeof createRouter>;

type OutputOf<S> = S extends z.ZodType ? z.output<S> : undefined;

type JsonBodyOf<R> = R extends {
  request: { body: { content: { 'application/json': { schema: infer S } } } };
}
  ? OutputOf<S>
  : undefined;
type QueryOf<R> = R extends { request: { query: infer S } } ? OutputOf<S> : undefined;
type ParamsOf<R> = R extends { request: { params: infer S } } ? OutputOf<S> : undefined;

/** A request's validated parts, typed from the route's own schemas. */
export interface RouteInput<R> {
  params: ParamsOf<R>;
  query: QueryOf<R>;
  body: JsonBodyOf<R>;
}

export interface HandleOptions {
  /** Bytes a body may have (default: `DEFAULT_BODY_LIMIT`); larger ones are a 413 as they stream. */
  maxBytes?: number;
  /** The handler reads the body itself (a file upload, NDJSON); its schema only documents it. */
  rawBody?: boolean;
  /**
   * Middleware that runs before the input is read, for this route only (the public site
   * gate: CORS, rate limits and the site itself). A wildcard `use` would also catch the
   * private routes that share the path prefix.
   */
  before?: MiddlewareHandler<AppEnv>[];
  /**
   * The handler reads the query itself; the declared query only documents it (pixel.gif:
   * JSON inside a parameter, and NUL checks before anything is parsed).
   */
  ownQuery?: boolean;
}

/** Registers `route` in the app's document and its handler, called with the validated input. */
export function handle<R extends RouteConfig>(
  app: Router,
  route: R,
  handler: (c: Context<AppEnv>, input: RouteInput<R>) => Response | Promise<Response>,
  options: HandleOptions = {},
): void {
  app.openAPIRegistry.registerPath(route);
  const honoPath = route.path.replaceAll(/\{(\w+)\}/g, ':$1');
  const method = route.method.toUpperCase();
  for (const middleware of options.before ?? []) app.on(method, honoPath, middleware);
  app.on(method, honoPath, async (c) => handler(c, await readInput(c, route, options)));
}

async function readInput<R extends RouteConfig>(
  c: Context<AppEnv>,
  route: R,
  options: HandleOptions,
): Promise<RouteInput<R>> {
  const { params, query, body } = route.request ?? {};
  const json = body?.content['application/json'];
  const jsonSchema = json && 'schema' in json ? json.schema : undefined;
  return {
    params: params ? parseWith(params as z.ZodType, c.req.param(), 'path') : undefined,
    query:
      query && !options.ownQuery
        ? parseWith(query as z.ZodType, c.req.query(), 'query')
        : undefined,
    body:
      jsonSchema && !options.rawBody
        ? await readJson(c, jsonSchema as z.ZodType, options)
        : undefined,
  } as RouteInput<R>;
}
