import type { SealedSiteSecrets } from '../storage/sites.ts';
import { newIdentitySecret } from '../storage/migrations/0005_identity.ts';
import type { Store } from '../storage/store.ts';
import { isSealed, sealedKeyId, type SecretBox } from './secret-box.ts';

const columns = (s: SealedSiteSecrets) =>
  [s.vapidPrivateKey, s.identitySecret, s.previousIdentitySecret].filter(
    (v): v is string => v !== null,
  );

function reseal(s: SealedSiteSecrets, from: SecretBox, to: SecretBox) {
  const move = (v: string) => to.seal(from.open(v));
  return {
    id: s.id,
    vapidPrivateKey: move(s.vapidPrivateKey),
    // NULL only for a site written by an older server after the migration ran.
    identitySecret:
      s.identitySecret === null ? to.seal(newIdentitySecret()) : move(s.identitySecret),
    previousIdentitySecret: s.previousIdentitySecret && move(s.previousIdentitySecret),
  };
}

/**
 * The start-up step: every stored secret must open with `box` (a wrong key stops the start
 * with an error naming both key ids), and legacy plain values are sealed with it. A
 * migration cannot do this, since it never sees the key. Returns how many sites it sealed.
 *
 * @example await sealStoredSecrets(store, box) // before the server answers anything
 */
export async function sealStoredSecrets(store: Store, box: SecretBox): Promise<number> {
  let sealed = 0;
  for (const site of await store.sites.listSealedSecrets()) {
    const values = columns(site);
    values.forEach((v) => box.open(v));
    if (site.identitySecret !== null && values.every(isSealed)) continue;
    if (await store.sites.replaceSealedSecrets(site, reseal(site, box, box))) sealed += 1;
  }
  return sealed;
}

/**
 * `beckon secrets rotate`: re-seals every site's secrets (and every webhook's) from the
 * `from` key to the `to` key. A row already under `to` is skipped, so a rotation cut short
 * is finished by running it again with the same keys. Returns how many rows it re-sealed.
 */
export async function rotateSecrets(store: Store, from: SecretBox, to: SecretBox): Promise<number> {
  // A value already under `to` (from a run cut short) opens with `to`.
  const either: SecretBox = {
    ...from,
    open: (v) => (sealedKeyId(v) === to.keyId ? to : from).open(v),
  };
  let rotated = 0;
  for (const site of await store.sites.listSealedSecrets()) {
    if (site.identitySecret !== null && columns(site).every((v) => sealedKeyId(v) === to.keyId)) {
      continue;
    }
    const next = reseal(site, either, to);
    if (await store.sites.replaceSealedSecrets(site, next)) rotated += 1;
  }
  // Webhook signing secrets and Segment write keys are sealed the same way.
  for (const webhook of await store.webhooks.listSealedSecrets()) {
    if (sealedKeyId(webhook.secret) === to.keyId) continue;
    const next = to.seal(either.open(webhook.secret));
    if (await store.webhooks.replaceSealedSecret(webhook.id, webhook.secret, next)) rotated += 1;
  }
  return rotated;
}
