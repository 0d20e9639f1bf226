/**
 * localStorage that never throws: Safari's private mode, sandboxed iframes, disabled cookies
 * and full quotas all throw on access. A failure reads as "nothing stored".
 */
export interface Store {
  get(key: string): string | null;
  set(key: string, value: string): void;
  del(key: string): void;
}

/** @example createStore().set('aid', id) // stored as `beckon:aid` */
export const createStore = (prefix = 'beckon:'): Store => ({
  get(key) {
    try {
      return localStorage.getItem(prefix + key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(prefix + key, value);
    } catch {
      // quota or disabled storage: stay silent, the page matters more
    }
  },
  del(key) {
    try {
      localStorage.removeItem(prefix + key);
    } catch {}
  },
});
