import webpush from 'web-push';

/** RFC 8292 §2: `exp` must be no more than 24 hours ahead; 12 h leaves room for clock skew. */
const VAPID_LIFETIME_S = 12 * 60 * 60;
/** Sign a fresh token this long before the cached one expires. */
const RENEW_BEFORE_S = 60 * 60;

export interface VapidKeys {
  subject: string;
  publicKey: string;
  privateKey: string;
}

/**
 * One VAPID `Authorization` header per (site key, push-service origin), reused until it
 * nears expiry. `web-push` signs a new ES256 JWT per message otherwise (~1,760/s here),
 * which would cap the whole pipeline.
 *
 * @example const header = createVapidCache(() => Date.now()).header(keys, 'https://fcm.googleapis.com');
 */
export function createVapidCache(clock: () => number) {
  /**
   * Site key → audience → header. Keyed by the strings as they come (the key from the site
   * row, the origin): a key joined from both was a new ~130-character string to build and
   * hash for every message.
   */
  const cache = new Map<string, Map<string, { header: string; subject: string; exp: number }>>();

  return {
    header(keys: VapidKeys, audience: string): string {
      const nowS = Math.floor(clock() / 1000);
      let byAudience = cache.get(keys.publicKey);
      if (!byAudience) cache.set(keys.publicKey, (byAudience = new Map()));
      const cached = byAudience.get(audience);
      if (cached && cached.subject === keys.subject && cached.exp - RENEW_BEFORE_S > nowS) {
        return cached.header;
      }
      const exp = nowS + VAPID_LIFETIME_S;
      const { Authorization } = webpush.getVapidHeaders(
        audience,
        keys.subject,
        keys.publicKey,
        keys.privateKey,
        'aes128gcm',
        exp,
      );
      byAudience.set(audience, { header: Authorization, subject: keys.subject, exp });
      return Authorization;
    },
  };
}

export type VapidCache = ReturnType<typeof createVapidCache>;
