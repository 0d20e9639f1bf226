import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase, type TestDatabase } from './support/databases.ts';
import { freePort, runBeckon, spawnBeckon, waitForExit } from './support/process.ts';

/**
 * API keys are remembered per process (storage/api-key-cache.ts): a key revoked through one
 * `beckon serve` must stop opening every other one on the same database. SQLite: before the
 * revoking request is even answered; PostgreSQL: when LISTEN/NOTIFY delivers the news, which
 * the revoking process waits to hear itself — milliseconds.
 */
describe.each(DIALECTS)('revoking an API key across two serve processes on %s', (dialect) => {
  let database: TestDatabase;
  let servers: ChildProcess[] = [];
  let urls: string[] = [];
  let ownerKey: string;

  beforeAll(async () => {
    database = testDatabase(dialect);
    const env = { BECKON_DATABASE_URL: database.url, BECKON_WORKERS: 'off' };
    ownerKey = (JSON.parse(await runBeckon(['init', '--json'], env)) as { apiKey: string }).apiKey;
    const ports = [await freePort(), await freePort()];
    // One after the other: both would seal the site's secrets on a first start.
    for (const port of ports) servers.push(await spawnBeckon('serve', env, port));
    urls = ports.map((port) => `http://127.0.0.1:${port}`);
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) server.kill('SIGTERM');
    await Promise.all(servers.map(waitForExit));
    await database?.drop();
  });

  const call = (url: string, key: string, path: string, method = 'GET', body?: unknown) =>
    fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function statusWithin(url: string, key: string, want: number, ms: number) {
    const deadline = Date.now() + ms;
    let status = (await call(url, key, '/v1/subscribers')).status;
    while (status !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
      status = (await call(url, key, '/v1/subscribers')).status;
    }
    return status;
  }

  it('a key revoked through one process is refused by the other', async () => {
    const [one, two] = urls as [string, string];
    const created = await call(one, ownerKey, '/v1/api-keys', 'POST', { name: 'CI' });
    expect(created.status).toBe(201);
    const { id, key: apiKey } = (await created.json()) as { id: string; key: string };
    // Both processes have it in memory (a second request answers from there).
    for (const url of [one, two, one, two]) {
      expect((await call(url, apiKey, '/v1/subscribers')).status).toBe(200);
    }
    // PostgreSQL: the listener connects on first use; let it settle, then fill the caches again.
    await new Promise((r) => setTimeout(r, 300));
    for (const url of [one, two])
      expect((await call(url, apiKey, '/v1/subscribers')).status).toBe(200);

    expect((await call(one, ownerKey, `/v1/api-keys/${id}`, 'DELETE')).status).toBe(204);
    expect((await call(one, apiKey, '/v1/subscribers')).status).toBe(401);
    expect(await statusWithin(two, apiKey, 401, dialect === 'sqlite' ? 0 : 500)).toBe(401);
    // The owner's key still opens both.
    for (const url of [one, two])
      expect((await call(url, ownerKey, '/v1/subscribers')).status).toBe(200);
  });
});
