import { base64UrlBytes, withTimeout } from './util.ts';

const TIMEOUT = 1e4;

/**
 * Declarative Web Push (Safari 18.4+ Home Screen web apps, macOS Safari 18.5): a push manager
 * on the window itself. Its pushes show without any worker, so none is registered.
 */
const windowPush = () => (window as { pushManager?: PushManager }).pushManager;

/** Whether this browser can do web push at all. */
export const pushSupported = () =>
  'Notification' in window &&
  (!!windowPush() || ('serviceWorker' in navigator && 'PushManager' in window));

/**
 * Registers the worker, asks for notification permission and subscribes; through
 * `window.pushManager` where the browser has one, without a worker.
 * Call it straight from the "Allow" click.
 *
 * @example const sub = await subscribePush('/beckon-sw.js?site=KEY&api=...', config.vapidPublicKey)
 */
export async function subscribePush(
  swUrl: string,
  vapidPublicKey: string,
): Promise<PushSubscription> {
  const options = { userVisibleOnly: true, applicationServerKey: base64UrlBytes(vapidPublicKey) };
  const own = windowPush();
  // Declarative: `subscribe` asks for permission itself, inside this click's user activation.
  if (own) return withTimeout(own.subscribe(options), TIMEOUT, 'Push subscription timed out');
  // Asked at once, while the click's user activation lasts: Safari refuses requestPermission
  // outside a gesture and Chrome shows its quiet UI for late requests. The worker registers
  // meanwhile; nothing is subscribed before the answer is "granted".
  const permission = Notification.requestPermission();
  const registration = await withTimeout(activated(swUrl), TIMEOUT, 'Service worker not ready');
  const answer = await permission;
  if (answer != 'granted') throw Error(`Notification permission ${answer}`);
  return withTimeout(
    registration.pushManager.subscribe(options),
    TIMEOUT,
    'Push subscription timed out',
  );
}

/**
 * Where a site enforces Trusted Types (`require-trusted-types-for 'script'`), `register` takes
 * only a TrustedScriptURL. The policy passes the URL through: it is the site's own `data-sw`
 * path plus our query, never page input. Sites that list allowed policies add `trusted-types
 * beckon`. Without Trusted Types (or if the policy is refused) the plain string goes through.
 */
interface ScriptUrlPolicy {
  createScriptURL(url: string): unknown;
}
let policy: ScriptUrlPolicy | undefined;
const trustedScriptUrl = (url: string) => {
  try {
    const tt = (
      window as {
        trustedTypes?: { createPolicy(name: string, rules: ScriptUrlPolicy): ScriptUrlPolicy };
      }
    ).trustedTypes;
    policy ||= tt && tt.createPolicy('beckon', { createScriptURL: (u: string) => u });
  } catch {}
  return policy ? policy.createScriptURL(url) : url;
};

/**
 * Registers Beckon's worker and resolves with its registration once it has an active worker
 * (`pushManager.subscribe` needs one). Not `navigator.serviceWorker.ready`: that waits for a
 * worker whose scope covers this page, which a `data-sw` in a sub-folder (scope `/push/`)
 * never is, and with the site's own worker at `/` it would hand back that one instead.
 */
const activated = async (swUrl: string) => {
  const registration = await navigator.serviceWorker.register(trustedScriptUrl(swUrl) as string);
  const worker = registration.installing || registration.waiting;
  if (!registration.active && worker)
    await new Promise((resolve, reject) =>
      worker.addEventListener('statechange', () =>
        // The worker becomes the registration's active one as it starts activating.
        registration.active
          ? resolve(0)
          : worker.state == 'redundant' && reject(Error('Service worker failed to install')),
      ),
    );
  return registration;
};

/**
 * This page's current subscription: the window's own (Declarative Web Push), else that of
 * Beckon's worker if it is registered and subscribed. Looked up by the worker's URL, not the
 * page's: the page may belong to another worker's scope.
 */
export const currentSubscription = async (swUrl: string) =>
  (await (
    windowPush() || (await navigator.serviceWorker.getRegistration(swUrl))?.pushManager
  )?.getSubscription()) || undefined;
