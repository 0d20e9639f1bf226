export type BeckonEventName = 'subscribed' | 'dismissed' | 'unsubscribed' | 'error';

/**
 * The outcome events behind `beckon('on', name, callback)`. A throwing callback is the host
 * page's bug; it must neither reach our code nor stop the other callbacks.
 *
 * @example const events = createEmitter(); events.on('error', (e) => console.warn(e.message));
 */
export const createEmitter = () => {
  const listeners: { [name: string]: ((data: unknown) => void)[] } = {};
  return {
    on(name: string, callback: (data: unknown) => void) {
      (listeners[name] ||= []).push(callback);
    },
    emit(name: BeckonEventName, data?: unknown) {
      for (const callback of listeners[name] || []) {
        try {
          callback(data);
        } catch {
          // the listener's own failure
        }
      }
    },
  };
};
