import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from '../support/beckon.ts';
import { launchBrowser } from '../support/browser.ts';
import {
  createPerson,
  screenshot,
  signIn,
  textBecomes,
  type Person,
} from '../support/dashboard.ts';
import { DIALECTS } from '../support/databases.ts';
import { createLocalPushService, type LocalPushService } from '../support/push-service/index.ts';
import { createWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const NAV = ['Overview', 'Audiences', 'Campaigns', 'Triggers', 'Subscribers', 'Sites', 'Settings'];

/**
 * The marketer's dashboard in Chromium against a real server: what a person signed in with
 * each role can see and do, end to end (the push service delivers, receipts arrive as the
 * worker would send them).
 */
describe.each(DIALECTS)('the dashboard in Chromium on %s', (dialect) => {
  let push: LocalPushService;
  let receiver: WebhookReceiver;
  let beckon: TestBeckon;
  let browser: Browser;
  let marketer: Person;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    push = await createLocalPushService();
    receiver = await createWebhookReceiver();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      env: { BECKON_WEBHOOK_ORIGINS_ALLOW: receiver.origin },
      categories: [
        { id: 'news', label: 'News' },
        { id: 'deals', label: 'Deals' },
      ],
    });
    browser = await launchBrowser();
    marketer = await createPerson(beckon, 'marketer');
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await beckon?.stop();
    await push?.close();
    await receiver?.close();
  });

  async function open(person: Person): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, beckon, person);
    return page;
  }

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  async function subscribe(externalId: string) {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        categories: ['news'],
        externalId,
        userHash: beckon.userHash(externalId),
      }),
    });
    expect(res.status).toBe(201);
  }

  async function jobDone(jobId: string) {
    await eventually(
      async () => {
        const job = (await (await beckon.api(`/v1/jobs/${jobId}`)).json()) as { status: string };
        return job.status === 'succeeded';
      },
      { what: `job ${jobId}` },
    );
  }

  it('signs in with email and password and shows the navigation by its names', async () => {
    const page = await open(marketer);
    const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
    expect(await links.allTextContents()).toEqual(NAV);
    for (const name of NAV) {
      await nav(page, name).click();
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).first().textContent())
        .toBe(name);
    }
    // API keys, the team and webhooks are the owner's: a marketer is told so, and shown none.
    await page.getByText('managed by the workspace').waitFor();
    expect(await page.getByRole('region', { name: 'API keys' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Webhooks' }).count()).toBe(0);
  });

  it('fits a phone: the navigation folds behind a Menu button and no page scrolls sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    contexts.push(context);
    const page = await context.newPage();
    await signIn(page, beckon, marketer);
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await nav(page, 'Audiences').isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav(page, 'Campaigns').click();
    // Following a link closes the menu again.
    await expect.poll(() => nav(page, 'Audiences').isVisible()).toBe(false);
    for (const path of ['/', '/audiences/new', '/campaigns', '/subscribers', '/settings']) {
      await page.goto(`${beckon.url}/dashboard${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });

  it('sets a password from the one-time link and is signed in', async () => {
    const workspace = (await (await beckon.api('/v1/organization')).json()) as { id: string };
    const created = await beckon.store.accounts.create(
      { workspaceId: workspace.id, email: 'new-owner@example.com', role: 'owner' },
      Date.now(),
    );
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${beckon.url}/dashboard/set-password?token=${created!.token}`);
    await page.getByLabel('New password').fill('a long enough password');
    await page.getByLabel('Repeat the password').fill('a long enough password');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    expect(await page.getByText('new-owner@example.com (owner)').count()).toBe(1);
    // An owner sees the team and the API keys.
    await nav(page, 'Settings').click();
    await page.getByRole('region', { name: 'API keys' }).waitFor();
    await page.getByLabel('Key name').fill('CI');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = await page.getByText(/shown once/).innerText();
    const key = /bk_\S+/.exec(shown)?.[0];
    expect(key).toBeDefined();
    expect(
      (
        await fetch(`${beckon.url}/v1/organization`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).status,
    ).toBe(200);
  });

  it('builds a rule audience whose live size follows the rule as it changes', async () => {
    for (const [userId, total] of [
      ['buyer-1', 80],
      ['buyer-2', 30],
      ['buyer-3', 120],
    ] as const) {
      const res = await beckon.api('/v1/track', {
        body: { userId, event: 'Order Completed', properties: { total } },
      });
      expect(res.status).toBe(200);
    }
    const page = await open(marketer);
    await nav(page, 'Audiences').click();
    await page.getByRole('link', { name: 'New audience' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Big spenders');
    // The live preview's 400 names the empty field; the message shows beside it.
    await expect
      .poll(() => page.getByLabel('Event name').getAttribute('aria-invalid'))
      .toBe('true');
    await page.getByLabel('Event name').fill('Order Completed');
    const users = () => page.getByTestId('size-users').innerText();
    await textBecomes(users, '3', 'the size of "did Order Completed"');

    await page.getByRole('button', { name: 'Add event property condition' }).click();
    await page.getByRole('textbox', { name: 'Property' }).fill('total');
    await page.getByLabel('Operator').selectOption('gt');
    await page.getByLabel('Value').fill('50');
    await textBecomes(users, '2', 'the size once total > 50');
    if (dialect === 'sqlite') await screenshot(page, 'dashboard-rule-builder.png');

    await page.getByRole('button', { name: 'Create audience' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Big spenders');
    const list = (await (await beckon.api('/v1/audiences')).json()) as {
      data: Array<{ name: string; rule: unknown; size: { users: number } }>;
    };
    expect(list.data.find((a) => a.name === 'Big spenders')).toMatchObject({
      rule: { all: [{ event: { name: 'Order Completed', where: { total: { gt: 50 } } } }] },
      size: { users: 2 },
    });
  });

  it('uploads a CSV of external ids and follows the job to its end', async () => {
    const page = await open(marketer);
    await page.goto(`${beckon.url}/dashboard/audiences/new`);
    await page.getByLabel('Name', { exact: true }).fill('Imported VIPs');
    await page.getByRole('radio', { name: /Manual/ }).check();
    await page.getByRole('button', { name: 'Create audience' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Imported VIPs');

    const csv = ['external_id,email', ...Array.from({ length: 300 }, (_, i) => `vip-${i},v${i}@x`)];
    await page.getByLabel('CSV file of external ids').setInputFiles({
      name: 'vips.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv.join('\n')),
    });
    await page.getByText('300 ids found').waitFor();
    await page.getByRole('button', { name: 'Upload' }).click();
    const progress = page.getByRole('progressbar', { name: 'Import progress' });
    await progress.waitFor();
    await textBecomes(
      () => page.locator('.job [role=status]').innerText(),
      /^succeeded/,
      'the job',
    );
    expect(await progress.getAttribute('value')).toBe('300');
    await textBecomes(
      () => page.getByRole('region', { name: 'Size' }).innerText(),
      /300 users/,
      'the audience size after the import',
    );
  });

  it('composes a campaign, previews it, sends it to an audience and sees delivered, shown and clicked rise', async () => {
    for (const id of ['reader-1', 'reader-2', 'reader-3']) await subscribe(id);
    const audience = (await (
      await beckon.api('/v1/audiences', { body: { name: 'Readers' } })
    ).json()) as { id: string };
    const members = await beckon.api(`/v1/audiences/${audience.id}/members`, {
      body: { add: ['reader-1', 'reader-2', 'reader-3'] },
    });
    await jobDone(((await members.json()) as { jobId: string }).jobId);

    const page = await open(marketer);
    await nav(page, 'Campaigns').click();
    await page.getByLabel('Campaign name').fill('Spring news');
    await page.getByLabel('First message title').fill('Fresh stories');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Spring news');

    await page.getByLabel('Body').fill('Three new stories picked for you');
    // A refused field: the API's error shows beside it, and nothing is saved.
    await page.getByLabel('Link URL').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Save messages' }).click();
    await expect.poll(() => page.getByLabel('Link URL').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Link URL').fill('https://shop.example/news');
    const preview = page.getByTestId('notification-preview');
    await textBecomes(
      () => preview.innerText(),
      /Fresh stories\s+Three new stories picked for you/,
      'the preview',
    );
    await page.getByRole('radio', { name: 'Chrome on Android' }).check();
    expect(await preview.getAttribute('class')).toContain('notification-android');
    await page.getByRole('button', { name: 'Save messages' }).click();
    await eventually(
      async () => {
        const c = (await (await beckon.api('/v1/campaigns')).json()) as {
          data: Array<{ name: string; messages: Array<{ body: string }> }>;
        };
        return c.data.find((x) => x.name === 'Spring news')?.messages[0]?.body.startsWith('Three');
      },
      { what: 'the saved message' },
    );

    await page.getByLabel('Audience', { exact: true }).selectOption({ label: 'Readers' });
    await page.getByRole('button', { name: 'Send now' }).click();
    const messages = await push.waitForMessages(3, { timeoutMs: 15_000 });
    const results = page.getByRole('table', { name: 'Results per message' });
    const count = (name: string) => () =>
      results
        .getByRole('row', { name: /^All messages/ })
        .locator(`[data-count=${name}]`)
        .innerText();
    await textBecomes(count('delivered'), '3', 'delivered on the page');
    expect(await count('clicked')()).toBe('0');

    // What the service worker sends: shown when the notification shows, clicked on a click.
    const deliveryIds = messages.map((m) => {
      const p = JSON.parse(m.payload) as {
        deliveryId?: string;
        notification?: { data?: { deliveryId?: string } };
      };
      return (p.deliveryId ?? p.notification?.data?.deliveryId) as string;
    });
    const receipt = (deliveryId: string, kind: string) =>
      fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ deliveryId, kind }),
      });
    for (const id of deliveryIds) expect((await receipt(id, 'shown')).status).toBe(202);
    for (const id of deliveryIds.slice(0, 2))
      expect((await receipt(id, 'clicked')).status).toBe(202);
    await textBecomes(count('shown'), '3', 'shown on the page');
    await textBecomes(count('clicked'), '2', 'clicked on the page');
    await textBecomes(
      () =>
        results
          .getByRole('row', { name: /^All messages/ })
          .locator('td')
          .last()
          .innerText(),
      '66.7 %',
      'the CTR',
    );
    // The chart over time, from the server's hourly roll-up.
    await page
      .getByRole('figure', { name: /Clicked: 2 in total/ })
      .locator('canvas')
      .waitFor();
    if (dialect === 'sqlite') {
      await page
        .getByRole('region', { name: 'Results' })
        .evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.waitForTimeout(300);
      await screenshot(page, 'dashboard-campaign.png');
    }

    // The Overview adds it all up: subscribers over time, pushes over 30 days, top campaigns.
    await nav(page, 'Overview').click();
    await page.getByRole('row', { name: /Spring news/ }).waitFor();
    await page
      .getByRole('figure', { name: /Subscribed: 3 in total/ })
      .locator('canvas')
      .waitFor();
    await page
      .getByRole('figure', { name: /Delivered: 3 in total/ })
      .locator('canvas')
      .waitFor();
    await page.getByText('3 subscribers now').waitFor();
    if (dialect === 'sqlite') {
      await page.waitForTimeout(300);
      await screenshot(page, 'dashboard-overview.png');
    }
  });

  it('sends a test to one user, then schedules a send and cancels it before it goes out', async () => {
    const page = await open(marketer);
    await nav(page, 'Campaigns').click();
    await page.getByRole('link', { name: 'Spring news' }).click();
    const before = push.messages.length;
    await page.getByLabel('Recipient').fill('reader-1');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText(/^Test sent/).waitFor();
    const [test] = (await push.waitForMessages(before + 1)).slice(before);
    expect(test!.payload).toContain('Fresh stories');

    await page.getByRole('radio', { name: /At a set time/ }).check();
    const tomorrow = new Date(Date.now() + 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await page
      .getByLabel('Send at')
      .fill(
        `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T09:30`,
      );
    await page.getByRole('checkbox', { name: /Quiet hours/ }).check();
    await page.getByRole('button', { name: 'Schedule' }).click();
    const sends = page.getByRole('region', { name: 'Sends' });
    const scheduled = sends.getByRole('row').filter({ hasText: 'scheduled' });
    await scheduled.waitFor();
    const id = (await scheduled.getAttribute('data-notification')) as string;
    const stored = (await (await beckon.api(`/v1/notifications/${id}`)).json()) as {
      status: string;
      sendAt: string;
    };
    expect(stored.status).toBe('scheduled');
    expect(Date.parse(stored.sendAt)).toBeGreaterThan(Date.now() + 3_600_000);

    await scheduled.getByRole('button', { name: 'Cancel' }).click();
    await textBecomes(
      () => sends.locator(`[data-notification="${id}"] .status`).innerText(),
      'cancelled',
      'the cancelled send',
    );
    const after = (await (await beckon.api(`/v1/notifications/${id}`)).json()) as {
      status: string;
    };
    expect(after.status).toBe('cancelled');
  });

  it('pauses and resumes a trigger whose steps read as sentences, and builds a new one step by step', async () => {
    const campaigns = (await (await beckon.api('/v1/campaigns')).json()) as {
      data: Array<{ id: string; name: string }>;
    };
    const campaign = campaigns.data.find((c) => c.name === 'Spring news')!;
    const created = await beckon.api('/v1/triggers', {
      body: {
        name: 'Cart reminder',
        on: { event: 'Cart Updated' },
        steps: [
          { wait: 'PT1H' },
          { unless: { event: 'Order Completed' } },
          { send: { campaignId: campaign.id } },
        ],
      },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const page = await open(marketer);
    await nav(page, 'Triggers').click();
    const card = page.getByRole('article', { name: /Cart reminder/ });
    await card.getByRole('listitem').first().waitFor();
    expect(await card.getByRole('listitem').allInnerTexts()).toEqual([
      'Wait 1 hour',
      'Stop if “Order Completed” happens',
      'Send campaign “Spring news”',
    ]);
    const active = async () =>
      ((await (await beckon.api(`/v1/triggers/${id}`)).json()) as { active: boolean }).active;
    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await active()).toBe(false);
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByRole('button', { name: 'Pause' }).waitFor();
    expect(await active()).toBe(true);

    // A new chain, built step by step.
    await page.getByRole('button', { name: 'New trigger' }).click();
    const form = page.getByRole('form', { name: 'New trigger' });
    await form.getByLabel('Trigger name').fill('Welcome');
    await form.getByLabel('When this event happens').fill('Signed Up');
    await form.getByLabel('Step 1 waits for').fill('PT10M');
    await form.getByRole('button', { name: 'Add a step' }).click();
    await form.getByLabel('Step 2 does').selectOption('send');
    await form.getByLabel('Step 2 campaign').selectOption({ label: 'Spring news' });
    await form.getByRole('button', { name: 'Add a step' }).click();
    await form.getByLabel('Step 3 does').selectOption('addTo');
    await form.getByLabel('Step 3 audience').selectOption({ label: 'Readers' });
    await form.getByRole('button', { name: 'Save trigger' }).click();
    const welcome = page.getByRole('article', { name: /Welcome/ });
    await welcome.getByRole('listitem').first().waitFor();
    expect(await welcome.getByRole('listitem').allInnerTexts()).toEqual([
      'Wait 10 minutes',
      'Send campaign “Spring news”',
      'Add to audience “Readers”',
    ]);
    const all = (await (await beckon.api('/v1/triggers')).json()) as {
      data: Array<{ name: string; on: unknown; steps: unknown[] }>;
    };
    expect(all.data.find((t) => t.name === 'Welcome')).toMatchObject({
      on: { event: 'Signed Up' },
      steps: [
        { wait: 'PT10M' },
        { send: { campaignId: campaign.id } },
        { addTo: expect.any(String) },
      ],
    });
  });

  it("finds a subscriber by external id and shows its user's traits, audiences, recent events and pushes", async () => {
    await beckon.api('/v1/users/reader-2', { method: 'PUT', body: { traits: { plan: 'gold' } } });
    await beckon.api('/v1/track', {
      body: { userId: 'reader-2', event: 'Read Article', properties: { slug: 'spring' } },
    });
    await eventually(
      async () => {
        const page = (await (await beckon.api('/v1/subscribers?externalId=reader-2')).json()) as {
          data: Array<{ id: string }>;
        };
        const activity = (await (
          await beckon.api(`/v1/subscribers/${page.data[0]?.id}/activity`)
        ).json()) as { events?: unknown[] };
        return (activity.events?.length ?? 0) > 0;
      },
      { what: 'the tracked event stored' },
    );
    const page = await open(marketer);
    await nav(page, 'Subscribers').click();
    await page.getByLabel('External id').fill('reader-2');
    const rows = page.getByRole('row').filter({ hasText: 'reader-2' });
    await textBecomes(
      async () => String(await page.getByRole('row').count()),
      '2',
      'one result row',
    );
    await rows.getByRole('link').click();
    await page.getByRole('region', { name: 'Audiences' }).getByRole('link').first().waitFor();
    await page
      .getByRole('region', { name: /traits/ })
      .getByText('gold')
      .waitFor();
    expect(
      await page.getByRole('region', { name: 'Audiences' }).getByRole('link').allInnerTexts(),
    ).toEqual(['Readers']);
    // Its user's event, and the campaign's push with its outcome (delivered, then shown).
    const events = page.getByRole('table', { name: 'Recent events' });
    await events.getByRole('row', { name: /track Read Article/ }).waitFor();
    expect(await events.getByRole('row').nth(1).innerText()).toContain('"slug":"spring"');
    const push = page
      .getByRole('table', { name: 'Recent pushes' })
      .getByRole('row')
      .filter({ hasText: 'Spring news' });
    await textBecomes(
      async () => push.getByRole('cell').nth(2).innerText(),
      /^delivered, shown/,
      'the push outcome',
    );
    if (dialect === 'sqlite') {
      await page
        .getByRole('region', { name: 'Recent events' })
        .evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await screenshot(page, 'dashboard-subscriber.png');
    }
  });

  it("draws the site's real prompt and redraws it as the texts change", async () => {
    const page = await open(marketer);
    await nav(page, 'Sites').click();
    await page.getByRole('link', { name: 'Test shop' }).click();
    const prompt = page.frameLocator('iframe[title="Prompt preview"]').getByRole('dialog');
    await prompt.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await prompt.getByRole('checkbox').count()).toBe(2);
    await page.getByLabel('Prompt title').fill('Deals, first');
    await page.getByLabel('Allow button').fill('Yes please');
    await prompt.getByRole('button', { name: 'Yes please' }).waitFor();
    await textBecomes(() => prompt.getByRole('heading').innerText(), 'Deals, first', 'the title');
    expect(await page.getByText('data-site="' + beckon.siteKey + '"').count()).toBe(1);
  });

  it('a viewer sees no send button, and the API refuses their send with 403', async () => {
    const viewer = await createPerson(beckon, 'viewer');
    const page = await open(viewer);
    await nav(page, 'Campaigns').click();
    await page.getByRole('link', { name: 'Spring news' }).click();
    await page.getByRole('region', { name: 'Results' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send test' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save messages' }).count()).toBe(0);

    // Reading is allowed: a rule audience shows its rule and stored size, with no 403 anywhere.
    await nav(page, 'Audiences').click();
    await page.getByRole('link', { name: 'Big spenders' }).click();
    await page.getByRole('region', { name: 'Size' }).getByText('2').first().waitFor();
    expect(await page.getByLabel('Event name').isDisabled()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save audience' }).count()).toBe(0);

    const campaigns = (await (await beckon.api('/v1/campaigns')).json()) as {
      data: Array<{ id: string }>;
    };
    // The same request the hidden button would make, from the page with the viewer's cookie.
    const status = await page.evaluate(async (campaignId) => {
      const res = await fetch('/v1/notifications', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ campaignId, target: { all: true } }),
      });
      return res.status;
    }, campaigns.data[0]!.id);
    expect(status).toBe(403);
  });

  it('signing out ends the session on the server, and a cross-site POST with the cookie is refused', async () => {
    const page = await open(marketer);
    const cookies = await page.context().cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const asCookie = (path: string, init: RequestInit = {}) =>
      fetch(beckon.url + path, { ...init, headers: { cookie, ...init.headers } });
    expect((await asCookie('/v1/session')).status).toBe(200);

    const crossSite = await asCookie('/v1/audiences', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Planted' }),
    });
    expect(crossSite.status).toBe(403);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await asCookie('/v1/session')).status).toBe(401);
    expect((await asCookie('/v1/audiences')).status).toBe(401);
  });

  it('lets an owner add a webhook, see its secret once, watch a delivery, disable and delete it', async () => {
    const page = await open(await createPerson(beckon, 'owner'));
    await nav(page, 'Settings').click();
    const hooks = page.getByRole('region', { name: 'Webhooks' });
    await hooks.getByText('No webhooks.').waitFor();
    // With no event ticked the server's field error shows beside the events.
    await hooks.getByLabel('Webhook URL').fill(receiver.url);
    await hooks.getByRole('button', { name: 'Create webhook' }).click();
    await hooks.locator('fieldset .field-error').waitFor();
    // A target outside BECKON_WEBHOOK_ORIGINS_ALLOW is refused beside the URL field.
    await hooks.getByLabel('Webhook URL').fill('http://10.0.0.1/hooks');
    await hooks.getByLabel('subscriber.created').check();
    await hooks.getByRole('button', { name: 'Create webhook' }).click();
    await expect
      .poll(() => hooks.getByLabel('Webhook URL').getAttribute('aria-invalid'))
      .toBe('true');
    expect(await hooks.getByRole('alert').count()).toBeGreaterThan(0);

    await hooks.getByLabel('Webhook URL').fill(receiver.url);
    await hooks.getByRole('button', { name: 'Create webhook' }).click();
    const shown = await hooks.getByText(/shown once/).innerText();
    const secret = /whsec_\S+/.exec(shown)?.[0];
    expect(secret).toBeDefined();
    // The secret the page showed is the one Beckon signs with: the receiver verifies by it.
    receiver.useSecret(secret!);
    await hooks.getByText('Enabled').waitFor();
    // Shown once: after a reload the list has the webhook, not its secret.
    await page.reload();
    await hooks.getByRole('button', { name: `Disable ${receiver.url}` }).waitFor();
    expect(await page.getByText(/whsec_/).count()).toBe(0);

    await subscribe('hook-watcher');
    await hooks.getByRole('button', { name: `Deliveries of ${receiver.url}` }).click();
    const refresh = hooks.getByRole('button', { name: 'Refresh deliveries' });
    await eventually(
      async () => {
        await refresh.click();
        await expect.poll(() => refresh.isEnabled()).toBe(true);
        const table = hooks.getByRole('table', { name: `Recent deliveries of ${receiver.url}` });
        return (
          (await table.count()) > 0 && /subscriber\.created\s+sent/.test(await table.innerText())
        );
      },
      { what: 'a sent delivery in the list', intervalMs: 250 },
    );

    expect(receiver.ofType('subscriber.created')).toHaveLength(1);
    expect(receiver.invalid).toEqual([]);

    await hooks.getByRole('button', { name: `Disable ${receiver.url}` }).click();
    await hooks.getByRole('button', { name: `Enable ${receiver.url}` }).waitFor();
    const list = (await (await beckon.api('/v1/webhooks')).json()) as {
      data: Array<{ url: string; enabled: boolean }>;
    };
    expect(list.data).toEqual([expect.objectContaining({ url: receiver.url, enabled: false })]);

    // Deleting asks first; once accepted, the list is empty again.
    page.once('dialog', (dialog) => void dialog.accept());
    await hooks.getByRole('button', { name: `Delete ${receiver.url}` }).click();
    await hooks.getByText('No webhooks.').waitFor();
    expect(((await (await beckon.api('/v1/webhooks')).json()) as { data: [] }).data).toEqual([]);
  });
});
