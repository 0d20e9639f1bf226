import { vapidSubjectWarnings, type SiteWarning } from './domain/vapid-subject.ts';
import type { Category } from './wire.ts';
import { createSite } from './sites/create-site.ts';
import type { Store } from './storage/store.ts';

export interface InitResult {
  apiKey: string;
  siteKey: string;
  siteId: string;
  vapidPublicKey: string;
  /** Keys the `userHash` of identify calls; shown here once (API.md "Identity verification"). */
  identitySecret: string;
  /** About the site made (a placeholder VAPID subject): `init` prints them on stderr too. */
  warnings: SiteWarning[];
}

/**
 * Creates a new workspace with one site (its own VAPID keys) and an API key: what
 * `beckon init --json` and `BECKON_INIT=1` print.
 */
export async function initWorkspace(
  store: Store,
  opts: { name?: string; origins?: string[]; subject?: string; categories?: Category[] },
  now: number,
): Promise<InitResult> {
  const name = opts.name ?? 'My site';
  const { workspace, apiKey } = await store.workspaces.create(name, now);
  const site = await createSite(
    store,
    {
      workspaceId: workspace.id,
      name,
      origins: opts.origins,
      categories: opts.categories,
      vapidSubject: opts.subject,
    },
    now,
  );
  return {
    apiKey,
    siteKey: site.siteKey,
    siteId: site.id,
    vapidPublicKey: site.vapidPublicKey,
    identitySecret: site.identitySecret,
    warnings: vapidSubjectWarnings(site.vapidSubject),
  };
}
