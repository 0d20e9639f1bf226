/**
 * The two measurements made through the real API: single-user trigger latency and one
 * notification to everyone.
 */
import { cpuSeconds, cpuSecondsOfAll } from './cpu-time.ts';
import type { Caller } from './ipc.ts';
import type { handlers as PushService } from './push-service-child.ts';
import type { ServerProcess } from './server-process.ts';

export interface SendContext {
  server: ServerProcess;
  push: Caller<typeof PushService>;
  apiKey: string;
  campaignId: string;
  title: string;
  /** Count PostgreSQL's CPU too (its processes, outside the server's). */
  postgres: boolean;
}

/** Sends are not counted until this many have warmed up the path (JIT, TLS session, threads). */
const WARM_UP = 10;

async function api<T>(
  ctx: SendContext,
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<T> {
  const res = await fetch(ctx.server.url + path, {
    method,
    headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Sets the site's default caps (`{}` removes them). */
export async function setSiteCapping(
  ctx: SendContext,
  siteId: string,
  capping: { perHour?: number; perDay?: number },
): Promise<void> {
  await api(ctx, `/v1/sites/${siteId}`, { capping }, 'PATCH');
}

export async function createCampaign(
  server: ServerProcess,
  apiKey: string,
  content: { title: string; body: string; url: string },
): Promise<string> {
  const ctx = { server, apiKey } as SendContext;
  const { id } = await api<{ id: string }>(ctx, '/v1/campaigns', {
    name: 'Bench',
    messages: [{ id: 'm1', ...content }],
  });
  return id;
}

/** Milliseconds from the API call to the push request reaching the push service, per send. */
export async function measureTriggers(
  ctx: SendContext,
  targets: ReadonlyArray<{ subscriberId: string; pushId: string }>,
  /** Called once the warm-up sends are done, before the timed ones. */
  onWarm?: () => void,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < targets.length + WARM_UP; i++) {
    if (i === WARM_UP) onWarm?.();
    const latency = await sendOne(ctx, targets[i % targets.length] as (typeof targets)[number]);
    if (i >= WARM_UP) latencies.push(latency);
  }
  return latencies;
}

/** One single-user send: milliseconds from the API call to the push request arriving. */
export async function sendOne(
  ctx: SendContext,
  target: { subscriberId: string; pushId: string },
): Promise<number> {
  const sentAt = Date.now();
  const arrival = ctx.push.call('arrival', { subscriberId: target.pushId, since: sentAt });
  await api(ctx, '/v1/notifications', {
    campaignId: ctx.campaignId,
    target: { subscriberIds: [target.subscriberId] },
    ttl: 3600,
  });
  return (await arrival) - sentAt;
}

export interface FanOutResult {
  seconds: number;
  /** CPU seconds each process used during the fan-out (null off Linux). */
  cpu: {
    server: number | null;
    serverMainThread: number | null;
    pushService: number | null;
    /** PostgreSQL's processes; null on SQLite (in the server's main thread). */
    database: number | null;
  };
  msgsPerSecond: number;
  complete: boolean;
  checks: Awaited<ReturnType<typeof PushService.verify>>;
  counts: Record<string, number>;
}

/**
 * One notification to all `n` subscribers (`target`, default everyone), timed from the API
 * call to the last arrival.
 */
export async function sendToAll(
  ctx: SendContext,
  n: number,
  target: unknown = { all: true },
  opts: { keepLog?: boolean } = {},
): Promise<FanOutResult> {
  if (!opts.keepLog) await ctx.push.call('reset');
  ctx.server.resetPeakHeap();
  const cpuNow = () => [
    cpuSeconds(ctx.server.child.pid),
    cpuSeconds(ctx.server.child.pid, { mainThreadOnly: true }),
    cpuSeconds(ctx.push.child.pid),
    ctx.postgres ? cpuSecondsOfAll('postgres') : null,
  ];
  const cpuBefore = cpuNow();
  const sentAt = Date.now();
  const { notificationId } = await api<{ notificationId: string }>(ctx, '/v1/notifications', {
    campaignId: ctx.campaignId,
    target,
    ttl: 3600,
  });
  let progress = await ctx.push.call('progress');
  let lastChange = Date.now();
  while (progress.distinct < n && Date.now() - lastChange < 30_000) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await ctx.push.call('progress');
    if (now.messages !== progress.messages) lastChange = Date.now();
    progress = now;
  }
  const seconds = (progress.lastArrival - sentAt) / 1000;
  const cpuAfter = cpuNow();
  const used = (i: number) => {
    const [before, after] = [cpuBefore[i], cpuAfter[i]];
    return before == null || after == null ? null : after - before;
  };
  const checks = await ctx.push.call('verify', { title: ctx.title });
  let status = { status: '', counts: {} as Record<string, number> };
  for (let tries = 0; tries < 600 && status.status !== 'sent'; tries++) {
    status = await api(ctx, `/v1/notifications/${notificationId}`);
    if (status.status !== 'sent') await new Promise((r) => setTimeout(r, 100));
  }
  const complete =
    checks.distinct === n &&
    checks.rejected === 0 &&
    checks.decrypted > 0 &&
    checks.intact === checks.decrypted &&
    status.counts.delivered === n;
  return {
    seconds,
    cpu: {
      server: used(0),
      serverMainThread: used(1),
      pushService: used(2),
      database: used(3),
    },
    msgsPerSecond: n / seconds,
    complete,
    checks,
    counts: status.counts,
  };
}
