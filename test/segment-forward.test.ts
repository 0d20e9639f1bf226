import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const WRITE_KEY = 'segment-write-key-123';

interface SegmentCall {
  type: string;
  event: string;
  userId?: string;
  anonymousId?: string;
  messageId: string;
  timestamp: string;
  properties: Record<string, unknown>;
}

/**
 * A Segment-compatible HTTP API on loopback: only `POST /v1/batch` with Basic auth (the write
 * key as user name, empty password) and a body of Segment's batch shape is accepted.
 */
async function createSegmentReceiver() {
  const calls: SegmentCall[] = [];
  const refused: string[] = [];
  let failing = 0;
  let failedAnswers = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const problem = batchProblem(req.method, req.url, req.headers.authorization, raw);
    if (problem) {
      refused.push(problem);
      res.writeHead(400).end(problem);
      return;
    }
    if (failing > 0) {
      failing -= 1;
      failedAnswers += 1;
      res.writeHead(500).end('busy');
      return;
    }
    calls.push(...(JSON.parse(raw.toString('utf8')) as { batch: SegmentCall[] }).batch);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    refused,
    failNext(n: number) {
      failing = n;
    },
    get failedAnswers() {
      return failedAnswers;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function batchProblem(
  method: string | undefined,
  url: string | undefined,
  authorization: string | undefined,
  raw: Buffer,
): string | undefined {
  if (method !== 'POST' || url !== '/v1/batch') return `not a batch call: ${method} ${url}`;
  if (authorization !== `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`)
    return 'bad auth';
  if (raw.length > 500 * 1024) return 'batch over 500 KB';
  let body: { batch?: unknown; sentAt?: unknown };
  try {
    body = JSON.parse(raw.toString('utf8')) as typeof body;
  } catch {
    return 'not JSON';
  }
  if (!Array.isArray(body.batch) || body.batch.length === 0) return 'no batch array';
  if (typeof body.sentAt !== 'string' || Number.isNaN(Date.parse(body.sentAt))) return 'sentAt';
  for (const call of body.batch as SegmentCall[]) {
    if (call.type !== 'track' || typeof call.event !== 'string') return 'not a track call';
    if (!call.userId && !call.anonymousId) return 'neither userId nor anonymousId';
    if (typeof call.messageId !== 'string' || Number.isNaN(Date.parse(call.timestamp)))
      return 'messageId/timestamp';
    if (typeof call.properties !== 'object' || call.properties === null) return 'properties';
  }
  return undefined;
}

/** API.md "Events out": receipts forwarded to a Segment-compatible API as `track` calls. */
describe.each(DIALECTS)('Segment forwarder on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let segment: Awaited<ReturnType<typeof createSegmentReceiver>>;

  beforeAll(async () => {
    push = await createLocalPushService();
    segment = await createSegmentReceiver();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      env: { BECKON_WEBHOOK_ORIGINS_ALLOW: segment.origin },
    });
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
    await segment?.close();
  });

  async function api<T>(path: string, body?: unknown, method?: string) {
    const res = await beckon.api(path, { body, method });
    const text = await res.text();
    expect(res.status, `${path}: ${text}`).toBeLessThan(300);
    return JSON.parse(text) as T;
  }

  it('refuses an endpoint that is not https: to a public address', async () => {
    const res = await beckon.api('/v1/organization', {
      method: 'PATCH',
      body: { segmentForward: { writeKey: WRITE_KEY, endpoint: 'http://10.1.2.3' } },
    });
    expect(res.status).toBe(400);
    expect((await api<{ segmentForward: unknown }>('/v1/organization')).segmentForward).toBeNull();
  });

  it('forwards shown, clicked and closed receipts as Segment track calls, retrying a 500', async () => {
    const org = await api<{ segmentForward: Record<string, unknown> }>(
      '/v1/organization',
      { segmentForward: { writeKey: WRITE_KEY, endpoint: segment.origin } },
      'PATCH',
    );
    expect(org.segmentForward).toEqual({
      endpoint: segment.origin,
      enabled: true,
      disabledReason: null,
    });
    expect(JSON.stringify(org)).not.toContain(WRITE_KEY);
    segment.failNext(1);

    const browser = push.createSubscriber();
    const subscribed = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: browser.endpoint, keys: browser.keys },
        externalId: 'carol',
        userHash: beckon.userHash('carol'),
      }),
    });
    expect(subscribed.status).toBe(201);
    const campaign = await api<{ id: string }>('/v1/campaigns', {
      name: 'Promo',
      messages: [{ id: 'p1', title: 'Promo', body: 'now' }],
    });
    await api('/v1/notifications', { campaignId: campaign.id, target: { externalIds: ['carol'] } });
    const [pushed] = await push.waitForMessages(1);
    // The flat payload, or the declarative one (API.md "The push payload").
    const payload = JSON.parse(pushed!.payload);
    const deliveryId = (payload.deliveryId ?? payload.notification.data.deliveryId) as string;
    for (const receipt of [
      { kind: 'shown' },
      { kind: 'clicked', action: 'open' },
      { kind: 'closed' },
    ]) {
      const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ deliveryId, ...receipt }),
      });
      expect(res.status).toBe(202);
    }
    await eventually(async () => segment.calls.length === 3, {
      what: 'three track calls',
      timeoutMs: 15_000,
    });
    expect(segment.refused).toEqual([]);
    expect(segment.failedAnswers).toBe(1);
    expect(segment.calls.map((c) => c.event)).toEqual([
      'Push Notification Delivered',
      'Push Notification Opened',
      'Push Notification Dismissed',
    ]);
    for (const call of segment.calls) {
      expect(call).toMatchObject({
        type: 'track',
        userId: 'carol',
        properties: { campaign: campaign.id, message: 'p1', site: beckon.siteId, deliveryId },
      });
    }
    expect(segment.calls[1]!.properties.action).toBe('open');
    expect(new Set(segment.calls.map((c) => c.messageId)).size).toBe(3);
  });
});
