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
  const cache = new Map<string, { header: string; exp: number }>();

  return {
    header(keys: VapidKeys, audience: string): string {
      const nowS = Math.floor(clock() / 1000);
      const key = `${keys.publicKey}\u0000${keys.subject}\u0000${audience}`;
      const cached = cache.get(key);
      if (cached && cached.exp - RENEW_BEFORE_S > nowS) return cached.header;
      const exp = nowS + VAPID_LIFETIME_S;
      const { Authorization } = webpush.getVapidHeaders(
        audience,
        keys.subject,
        keys.publicKey,
        keys.privateKey,
        'aes128gcm',
        exp,
      );
      cache.set(key, { header: Authorization, exp });
      return Authorization;
    },
  };
}

export type VapidCache = ReturnType<typeof createVapidCache>;
