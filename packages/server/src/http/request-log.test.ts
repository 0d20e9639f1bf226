import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { createBeckon, type Beckon } from '../main.ts';
import { configureLogging } from '../observability/logger.ts';
import { captureLogs } from '../../../../test/support/capture-logs.ts';
import { initWorkspace, type InitResult } from '../workspace-setup.ts';

describe('request logs', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let site: InitResult;

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    site = await initWorkspace(beckon.store, { origins: ['https://shop.example'] }, Date.now());
  });
  afterEach(() => configureLogging({ level: 'info', pii: false }));
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  const getUser = (headers: Record<string, string> = {}) =>
    beckon.app.request('/v1/users/jane.doe@example.com?x=1', {
      headers: { authorization: `Bearer ${site.apiKey}`, ...headers },
    });

  it('logs one line per request with its id, route pattern and status, but no externalId or key', async () => {
    const { lines, destination } = captureLogs();
    configureLogging({ level: 'info', pii: false, destination });
    const res = await getUser();
    expect(res.status).toBe(404);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request',
        requestId,
        method: 'GET',
        route: '/v1/users/:externalId',
        status: 404,
      }),
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain(site.apiKey);
  });

  it("keeps the caller's X-Request-Id, and logs the path only with BECKON_LOG_PII=1", async () => {
    const { lines, destination } = captureLogs();
    configureLogging({ level: 'info', pii: true, destination });
    const res = await getUser({ 'x-request-id': 'trace-42' });
    expect(res.headers.get('x-request-id')).toBe('trace-42');
    expect(lines[0]).toMatchObject({
      requestId: 'trace-42',
      path: '/v1/users/jane.doe@example.com',
    });
    const forged = await getUser({ 'x-request-id': 'a", "level": "fatal' });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the request id on answers, problems and unknown routes alike', async () => {
    const key = { authorization: `Bearer ${site.apiKey}` };
    const cases = [
      ['/v1/subscribers', key, 200],
      ['/v1/subscribers', { authorization: 'Bearer bk_nope' }, 401],
      ['/v1/nowhere', key, 404],
      ['/healthz', {}, 200],
    ] as const;
    for (const [path, headers, status] of cases) {
      const res = await beckon.app.request(path, {
        headers: { ...headers, 'x-request-id': 'r-1' },
      });
      expect([path, res.status, res.headers.get('x-request-id')]).toEqual([path, status, 'r-1']);
    }
  });
});
