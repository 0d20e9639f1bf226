/**
 * `npm start`: Beckon on SQLite plus a small demo shop at http://localhost:8787, with
 * nothing to set up. The first start creates a workspace for the demo and keeps its keys
 * in demo/.beckon-demo.json (git-ignored) so later starts reuse it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { hashPassword } from '../packages/server/src/accounts/passwords.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { userHash } from '../packages/server/src/domain/user-hash.ts';
import { createBeckon, listen, log } from '../packages/server/src/main.ts';
import { initWorkspace, type InitResult } from '../packages/server/src/workspace-setup.ts';

const here = dirname(fileURLToPath(import.meta.url));
const stateFile = join(here, '.beckon-demo.json');

const config = loadConfig({
  BECKON_DATABASE_URL: `sqlite:${join(here, '..', 'beckon.db')}`,
  ...process.env,
});
const beckon = await createBeckon(config);
const origins = [`http://localhost:${config.port}`, `http://127.0.0.1:${config.port}`];

async function demoWorkspace(): Promise<InitResult> {
  if (existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as InitResult;
    if (await beckon.store.sites.getByKey(saved.siteKey)) return saved;
  }
  const created = await initWorkspace(
    beckon.store,
    {
      name: 'Demo shop',
      origins,
      categories: [
        { id: 'deals', label: 'Deals and discounts', default: true },
        { id: 'restock', label: 'Back in stock' },
        { id: 'news', label: 'Shop news' },
      ],
    },
    Date.now(),
  );
  writeFileSync(stateFile, JSON.stringify(created, null, 2));
  return created;
}

const demo = await demoWorkspace();

/**
 * The demo's dashboard account, so a newcomer is signed in within a minute. Its password is
 * made on first start and kept in the git-ignored state file beside the API key (the
 * database holds only its hash), so every start can print it.
 */
const DEMO_EMAIL = 'demo@beckon.local';
async function demoPassword(): Promise<string> {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as InitResult & {
    dashboardPassword?: string;
  };
  const account = await beckon.store.accounts.findForSignIn(DEMO_EMAIL);
  if (account && state.dashboardPassword) return state.dashboardPassword;
  const password = randomBytes(12).toString('base64url');
  let token: string;
  if (account) {
    token = await beckon.store.accounts.issueToken(account.id, account.workspaceId, Date.now());
  } else {
    const org = (await (
      await beckon.app.request('/v1/organization', {
        headers: { authorization: `Bearer ${demo.apiKey}` },
      })
    ).json()) as { id: string };
    const created = await beckon.store.accounts.create(
      { workspaceId: org.id, email: DEMO_EMAIL, role: 'owner' },
      Date.now(),
    );
    token = created!.token;
  }
  await beckon.store.accounts.setPassword(token, await hashPassword(password), Date.now());
  writeFileSync(stateFile, JSON.stringify({ ...state, dashboardPassword: password }, null, 2));
  return password;
}
const dashboardPassword = await demoPassword();
const page = readFileSync(join(here, 'index.html'), 'utf8');

// Identity verification: the shop's backend — here, this file — computes the user's hash
// with the site's identity secret and renders it into the page it serves to that user. The
// secret itself never reaches the browser. (Read from the store: a demo workspace saved by
// an older version has no `identitySecret` in its state file.)
const DEMO_USER = 'user-42';
const site = await beckon.store.sites.getByKey(demo.siteKey);
const demoUserHash = userHash(site!.identitySecret, DEMO_USER);

const app = new Hono();
app.get('/', (c) =>
  c.html(
    page
      .replaceAll('__SITE_KEY__', demo.siteKey)
      .replaceAll('__USER_ID__', DEMO_USER)
      .replaceAll('__USER_HASH__', demoUserHash),
  ),
);
const TYPES: Record<string, string> = {
  css: 'text/css',
  svg: 'image/svg+xml',
  png: 'image/png',
  webmanifest: 'application/manifest+json',
};
app.get('/demo/:file{.+\\.(css|js|svg|png|webmanifest)}', (c) => {
  const file = join(here, 'public', c.req.param('file').replace(/\.\./g, ''));
  if (!existsSync(file)) return c.notFound();
  const type = TYPES[file.slice(file.lastIndexOf('.') + 1)] || 'text/javascript';
  return c.body(readFileSync(file), 200, { 'Content-Type': type });
});
// "Send me a test push": the demo's stand-in for the shop's own backend, which would hold
// the API key. It sends to the subscriber the page names, through the public API path.
app.post('/demo/send-test', async (c) => {
  const { subscriberId } = (await c.req.json()) as { subscriberId?: string };
  if (!subscriberId) return c.json({ error: 'subscriberId missing' }, 400);
  const headers = { authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json' };
  const campaigns = (await (await beckon.app.request('/v1/campaigns', { headers })).json()) as {
    data: Array<{ id: string }>;
  };
  let campaignId = campaigns.data[0]?.id;
  if (!campaignId) {
    const created = await beckon.app.request('/v1/campaigns', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Demo',
        messages: [
          {
            title: 'Hello from Beckon 👋',
            body: 'This push went page → server → push service → your browser.',
            url: '/',
          },
        ],
      }),
    });
    campaignId = ((await created.json()) as { id: string }).id;
  }
  const sent = await beckon.app.request('/v1/notifications', {
    method: 'POST',
    headers,
    body: JSON.stringify({ campaignId, target: { subscriberIds: [subscriberId] }, ttl: 300 }),
  });
  const accepted = (await sent.json()) as { notificationId?: string };
  if (sent.status !== 202 || !accepted.notificationId) return c.json(accepted, sent.status as 400);
  // Wait a little for the push service's answer, so the page can say what became of it.
  let outcome: { notificationId?: string; status?: string } = accepted;
  for (let tries = 0; tries < 20; tries++) {
    const res = await beckon.app.request(`/v1/notifications/${accepted.notificationId}`, {
      headers,
    });
    outcome = (await res.json()) as { status?: string };
    if (outcome.status === 'sent' || outcome.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return c.json(outcome, 202);
});
app.route('/', beckon.app);

await listen(app as unknown as typeof beckon.app, config);
beckon.startWorkers();
log(`demo shop on http://localhost:${config.port}  (site key ${demo.siteKey})`);
log(`API key for the demo workspace: ${demo.apiKey}`);
log(`dashboard: http://localhost:${config.port}/dashboard  (${DEMO_EMAIL} / ${dashboardPassword})`);
