/**
 * The same-run baseline: the smallest Hono server doing what each Beckon path does at its
 * thinnest — parse a JSON POST and answer, or answer a GET with a page of 50 JSON rows —
 * on the same `@hono/node-server`, in its own process like Beckon. Prints its port.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const page = Array.from({ length: 50 }, (_, i) => ({
  id: `sub_${String(i).padStart(20, '0')}`,
  siteId: 'site_00000000000000000000',
  endpoint: `https://fcm.googleapis.com/fcm/send/${i}`,
  categories: ['news'],
  externalId: `u-${i}`,
  createdAt: '2026-11-23T07:30:00.000Z',
}));
const app = new Hono();
app.post('/json', async (c) =>
  c.json({ ok: true, got: Object.keys(await c.req.json()).length }, 202),
);
app.get('/list', (c) => c.json({ data: page, nextCursor: 'sub_00000000000000000049' }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
  process.stdout.write(`${info.port}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
