import webpush from 'web-push';
import { completePrompt } from '../domain/site-defaults.ts';
import { DEFAULT_VAPID_SUBJECT } from '../domain/vapid-subject.ts';
import type { NewSite, Site } from '../storage/sites.ts';
import type { Store } from '../storage/store.ts';

/** What a caller decides about a new site; the rest (keys, defaults) is decided here. */
export interface CreateSiteInput
  extends
    Pick<NewSite, 'workspaceId' | 'name' | 'identityVerification'>,
    Partial<Pick<NewSite, 'origins' | 'categories' | 'capping'>> {
  /** Any part of the prompt's settings; the rest comes from the defaults. */
  prompt?: Parameters<typeof completePrompt>[0];
  /** RFC 8292 §2.1 `sub`; unset → a placeholder that `vapidSubjectWarnings` warns about. */
  vapidSubject?: string | undefined;
  /** A key pair brought from another vendor (checked as a pair by the caller); else new keys. */
  vapidPublicKey?: string | undefined;
  vapidPrivateKey?: string | undefined;
}

/**
 * Creates a site with its own VAPID key pair (RFC 8292: one per site, so a site's pushes
 * never carry another's identity) and the default prompt, capping and identity verification.
 * The one way a site is made: `POST /v1/sites` and `beckon init` both call it.
 *
 * @example const site = await createSite(store, { workspaceId, name: 'Shop', origins: ['https://shop.example'] }, now);
 */
export function createSite(store: Store, input: CreateSiteInput, now: number): Promise<Site> {
  const keys =
    input.vapidPublicKey && input.vapidPrivateKey
      ? { publicKey: input.vapidPublicKey, privateKey: input.vapidPrivateKey }
      : webpush.generateVAPIDKeys();
  return store.sites.create(
    {
      workspaceId: input.workspaceId,
      name: input.name,
      origins: input.origins ?? [],
      categories: input.categories ?? [],
      prompt: completePrompt(input.prompt ?? {}),
      capping: input.capping ?? {},
      vapidSubject: input.vapidSubject ?? DEFAULT_VAPID_SUBJECT,
      vapidPublicKey: keys.publicKey,
      vapidPrivateKey: keys.privateKey,
      ...(input.identityVerification && { identityVerification: input.identityVerification }),
    },
    now,
  );
}
