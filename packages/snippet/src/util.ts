/** A random v4 UUID. `crypto.randomUUID` exists only in secure contexts; the pixel also runs on http pages. */
export const uuid = (): string =>
  crypto.randomUUID
    ? crypto.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
        (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
      );

/**
 * Rejects with `message` if `promise` has not settled after `ms`.
 * `pushManager.subscribe()` can stay pending for ever in some Chromium contexts.
 *
 * @example await withTimeout(reg.pushManager.subscribe(opts), 1e4, 'Push subscription timed out')
 */
export const withTimeout = <T>(promise: Promise<T>, ms: number, message: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(Error(message)), ms)),
  ]);

/**
 * Base64url (RFC 4648 §5, as a VAPID public key is sent) to bytes. `atob` accepts the
 * missing padding (forgiving-base64); only the alphabet needs mapping.
 */
export const base64UrlBytes = (s: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** JSON.parse that answers `undefined` instead of throwing. */
export const parseJson = <T>(text: string | null): T | undefined => {
  try {
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
};
