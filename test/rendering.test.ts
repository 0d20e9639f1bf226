import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
  pushed,
} from './support/push-service/index.ts';

const PAGE = 'https://shop.example';

/**
 * Safe rendering (API.md "Safe rendering" and the templates bullet), end to end: templates
 * render per recipient in direct and trigger sends, what a recipient's data puts in a URL stays
 * on the site, and a send that renders unsafe or too large fails alone. Payloads are read
 * decrypted at the local push service.
 */
describe.each(DIALECTS)('safe rendering on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let tag = 0;

  const post = async <T>(path: string, body: unknown, status = 201): Promise<T> => {
    const res = await beckon.api(path, { body });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  };

  async function user(externalId: string, siteKey = beckon.siteKey): Promise<VirtualSubscriber> {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        externalId,
        userHash: await beckon.userHashOn(siteKey, externalId),
      }),
    });
    expect(res.status).toBe(201);
    return subscriber;
  }

  const campaign = async (message: Record<string, unknown>) =>
    (await post<{ id: string }>('/v1/campaigns', { name: `C ${++tag}`, messages: [message] })).id;

  const track = (userId: string, event: string, properties: Record<string, unknown>) =>
    post('/v1/track', { userId, event, properties }, 200);

  /** A delivery's stored outcome, for what the API does not show (its last error). */
  const deliveriesOf = (notificationId: string) =>
    beckon.store.db.kysely
      .selectFrom('deliveries')
      .select(['subscriber_id', 'status', 'last_error'])
      .where('notification_id', '=', notificationId)
      .execute();

  const notificationsOfTrigger = async (triggerId: string) =>
    (
      await beckon.store.db.kysely
        .selectFrom('notifications')
        .select('id')
        .where('trigger_id', '=', triggerId)
        .orderBy('id')
        .execute()
    ).map((n) => n.id);

  const counts = async (notificationId: string) =>
    (
      (await (await beckon.api(`/v1/notifications/${notificationId}`)).json()) as {
        counts: Record<string, number>;
      }
    ).counts;

  const triggerStats = async (id: string) =>
    ((await (await beckon.api(`/v1/triggers/${id}`)).json()) as { stats: Record<string, number> })
      .stats;

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin], origins: [PAGE] });
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('renders a direct send with each target user’s traits, and the fallback for one without', async () => {
    const campaignId = await campaign({ title: 'News', body: 'plain' });
    const ada = await user(`ada-${tag}`);
    const bob = await user(`bob-${tag}`);
    const put = await beckon.api(`/v1/users/ada-${tag}`, {
      method: 'PUT',
      body: { traits: { first_name: 'Ada' } },
    });
    expect(put.status).toBeLessThan(300);
    await post(
      '/v1/notifications',
      {
        campaignId,
        override: { body: 'Hi {{traits.first_name|there}}{{properties.anything}}' },
        target: { externalIds: [`ada-${tag}`, `bob-${tag}`] },
      },
      202,
    );
    const messages = await push.waitForMessages(2);
    const bodyFor = (s: VirtualSubscriber) =>
      pushed(messages.find((m) => m.endpoint === s.endpoint)!.payload).body;
    expect(bodyFor(ada)).toBe('Hi Ada');
    expect(bodyFor(bob)).toBe('Hi there');
  });

  it('keeps the /{{properties.path}} attack on the site: the value arrives encoded as a path', async () => {
    const campaignId = await campaign({ title: 'Back', body: '', url: '/{{properties.path}}' });
    await post('/v1/triggers', {
      name: 'Open redirect?',
      on: { event: `Viewed ${tag}` },
      steps: [{ send: { campaignId } }],
    });
    await user(`eve-${tag}`);
    await track(`eve-${tag}`, `Viewed ${tag}`, { path: '/evil.example/login' });
    const [message] = await push.waitForMessages(1);
    const { url } = pushed(message!.payload) as { url: string };
    expect(url).toBe('/%2Fevil.example%2Flogin');
    // What the service worker opens: the URL resolved against the site's origin.
    expect(new URL(url, `${PAGE}/`).origin).toBe(PAGE);
  });

  it('fails a send whose templated URL would leave the site with "unsafe url", sending nothing', async () => {
    const campaignId = await campaign({
      title: 'Go',
      body: '',
      url: 'https://shop.example/go',
      // Percent-encoding leaves dots alone: the suffix makes the host shop.example.evil.example.
      actions: [{ action: 'open', title: 'Open', url: 'https://shop.example{{properties.host}}/' }],
    });
    const t = await post<{ id: string }>('/v1/triggers', {
      name: 'Host from data',
      on: { event: `Clicked ${tag}` },
      steps: [{ send: { campaignId } }],
    });
    await user(`mal-${tag}`);
    await track(`mal-${tag}`, `Clicked ${tag}`, { host: '.evil.example' });
    const [notificationId] = await eventually(async () => {
      const ids = await notificationsOfTrigger(t.id);
      return ids.length === 1 ? ids : undefined;
    });
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(notificationId!);
      return rows[0]?.status === 'failed' ? rows : undefined;
    });
    expect(delivery!.last_error).toBe('unsafe url');
    expect(await counts(notificationId!)).toMatchObject({ failed: 1, sent: 0, delivered: 0 });
    expect(push.messages).toHaveLength(0);
  });

  it('refuses a javascript: URL in a trigger override or a notification override with 400 and its path', async () => {
    const campaignId = await campaign({ title: 'T', body: '' });
    const trigger = await beckon.api('/v1/triggers', {
      body: {
        name: 'xss',
        on: { event: 'X' },
        steps: [{ send: { campaignId, override: { url: 'javascript:alert(document.cookie)' } } }],
      },
    });
    expect(trigger.status).toBe(400);
    expect(trigger.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await trigger.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain('steps.0.send.override.url');

    for (const url of ['javascript:alert(1)', 'data:text/html,x', '//evil.example/']) {
      const direct = await beckon.api('/v1/notifications', {
        body: { campaignId, override: { url }, target: { all: true } },
      });
      expect(direct.status, url).toBe(400);
      const body = (await direct.json()) as { errors: Array<{ path: string }> };
      expect(body.errors.map((e) => e.path)).toContain('override.url');
    }
    const list = (await (await beckon.api('/v1/triggers')).json()) as {
      data?: Array<{ name: string }>;
    };
    expect((list.data ?? []).map((t) => t.name)).not.toContain('xss');
  });

  it('fails a trigger send whose rendered payload is over 3,993 bytes with "payload too large", and others go on', async () => {
    const campaignId = await campaign({ title: 'Saved', body: '', url: '/n/{{properties.note}}' });
    const t = await post<{ id: string }>('/v1/triggers', {
      name: 'Big',
      on: { event: `Noted ${tag}` },
      steps: [{ send: { campaignId } }],
    });
    await user(`big-${tag}`);
    const small = await user(`small-${tag}`);
    await track(`big-${tag}`, `Noted ${tag}`, { note: 'x'.repeat(4000) });
    await track(`small-${tag}`, `Noted ${tag}`, { note: 'short' });
    const [message] = await push.waitForMessages(1);
    expect(message!.endpoint).toBe(small.endpoint);
    expect(pushed(message!.payload).url).toBe('/n/short');
    const ids = await eventually(async () => {
      const found = await notificationsOfTrigger(t.id);
      return found.length === 2 ? found : undefined;
    });
    const outcomes = await eventually(async () => {
      const rows = (await Promise.all(ids.map(deliveriesOf))).flat();
      return rows.every((r) => r.status !== 'queued') ? rows : undefined;
    });
    expect(outcomes.map((r) => [r.status, r.last_error]).sort()).toEqual([
      ['delivered', null],
      ['failed', 'payload too large'],
    ]);
    expect(push.messages).toHaveLength(1);
  });

  it('renders an evergreen send with each new member’s traits', async () => {
    const list = (await post<{ id: string }>('/v1/audiences', { name: `Welcome ${++tag}` })).id;
    await post('/v1/campaigns', {
      name: `Welcome ${tag}`,
      messages: [{ title: 'Welcome {{traits.first_name|friend}}', body: '' }],
      evergreen: { audienceId: list },
    });
    const kim = await user(`kim-${tag}`);
    const lou = await user(`lou-${tag}`);
    await beckon.api(`/v1/users/kim-${tag}`, { method: 'PUT', body: { first_name: 'Kim' } });
    await post(`/v1/audiences/${list}/members`, { add: [`kim-${tag}`, `lou-${tag}`] }, 202);
    const messages = await push.waitForMessages(2, { timeoutMs: 15_000 });
    const titleFor = (s: VirtualSubscriber) =>
      pushed(messages.find((m) => m.endpoint === s.endpoint)!.payload).title;
    expect(titleFor(kim)).toBe('Welcome Kim');
    expect(titleFor(lou)).toBe('Welcome friend');
  });

  it('counts a capped trigger send as capped, not sent', async () => {
    // A site of its own, so its cap touches no other test.
    const site = await post<{ id: string; siteKey: string }>('/v1/sites', {
      name: `Capped ${++tag}`,
      origins: [PAGE],
      capping: { perDay: 1 },
    });
    const campaignId = await campaign({ title: 'Hello {{traits.first_name|you}}', body: '' });
    const t = await post<{ id: string }>('/v1/triggers', {
      name: 'Capped',
      on: { event: `Pinged ${tag}` },
      steps: [{ send: { campaignId } }],
    });
    await user(`cap-${tag}`, site.siteKey);
    await track(`cap-${tag}`, `Pinged ${tag}`, {});
    await push.waitForMessages(1);
    await track(`cap-${tag}`, `Pinged ${tag}`, {});
    const stats = await eventually(async () => {
      const s = await triggerStats(t.id);
      return s.sent! + s.capped! === 2 ? s : undefined;
    });
    expect(stats).toMatchObject({ fired: 2, sent: 1, capped: 1 });
    expect(push.messages).toHaveLength(1);
  });
});
