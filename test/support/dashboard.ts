/**
 * The dashboard in Chromium against a real server: people made through the store (as
 * `beckon users add` does), passwords set through the one-time link's API, sign-in through
 * the page itself. Screenshots go to `docs/` when `BECKON_SCREENSHOTS=1` (the README's
 * pictures), else to `.test-results/` so a test run leaves the tree clean.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Role } from '../../packages/server/src/storage/schema.ts';
import { eventually, type TestBeckon } from './beckon.ts';

export interface Person {
  email: string;
  password: string;
  role: Role;
}

export async function createPerson(beckon: TestBeckon, role: Role): Promise<Person> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery';
  const workspace = (await (await beckon.api('/v1/organization')).json()) as { id: string };
  const created = await beckon.store.accounts.create(
    { workspaceId: workspace.id, email, role },
    Date.now(),
  );
  if (!created) throw new Error(`${email} exists`);
  const set = await fetch(`${beckon.url}/v1/session/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: created.token, password }),
  });
  if (set.status !== 200) throw new Error(`set password: ${set.status} ${await set.text()}`);
  return { email, password, role };
}

/** Opens the dashboard and signs in through its form, as a person would. */
export async function signIn(page: Page, beckon: TestBeckon, person: Person): Promise<void> {
  await page.goto(`${beckon.url}/dashboard/`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.BECKON_SCREENSHOTS === '1' ? 'docs' : '.test-results/screenshots';
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name), fullPage: false });
}

/** Polls the text of a locator until it matches, bounded; answers the last text. */
export async function textBecomes(
  read: () => Promise<string>,
  expected: string | RegExp,
  what: string,
  timeoutMs = 15_000,
): Promise<string> {
  return eventually(
    async () => {
      const text = (await read()).trim();
      return (typeof expected === 'string' ? text === expected : expected.test(text))
        ? text
        : undefined;
    },
    { timeoutMs, what },
  );
}
