import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { createBeckon, type Beckon } from '../main.ts';

/**
 * `app.routes` entries that are not API operations, and why:
 * - `ALL`: middleware (`app.use`: the API-key guard, the write-key guard);
 * - `OPTIONS`: CORS preflights, answered by the public site gate for `/v1/sites/{siteKey}/*`
 *   (a wildcard, which OpenAPI cannot name; the gate is plumbing, not an operation);
 * - `/docs` and its script: the reference page about this document, not part of the API;
 * - `/`, `/dashboard` and its files: the marketer's web app (HTML and assets), not the API.
 */
const notOperations = (method: string, path: string) =>
  method === 'ALL' ||
  method === 'OPTIONS' ||
  path === '/docs' ||
  path.startsWith('/docs/') ||
  path === '/' ||
  path === '/dashboard' ||
  path.startsWith('/dashboard/');

const operation = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replaceAll(/:(\w+)/g, '{$1}')}`;

describe('the OpenAPI document', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let document: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    document = (await (await beckon.app.request('/openapi.json')).json()) as typeof document;
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  const served = () =>
    new Set(
      beckon.app.routes
        .filter((r) => !notOperations(r.method, r.path))
        .map((r) => operation(r.method, r.path)),
    );
  const documented = () =>
    new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => operation(method, path)),
      ),
    );

  it('documents every route the app serves', () => {
    const missing = [...served()].filter((op) => !documented().has(op));
    expect(missing).toEqual([]);
  });

  it('documents no operation the app does not serve', () => {
    const extra = [...documented()].filter((op) => !served().has(op));
    expect(extra).toEqual([]);
  });

  it('gives every operation a summary, a tag and a success response', () => {
    const incomplete = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, Record<string, unknown>>)
        .filter(
          ([, op]) =>
            !op.summary ||
            !(op.tags as unknown[] | undefined)?.length ||
            !Object.keys((op.responses as object | undefined) ?? {}).some((s) => /^2/.test(s)),
        )
        .map(([method]) => operation(method, path)),
    );
    expect(incomplete).toEqual([]);
  });
});
