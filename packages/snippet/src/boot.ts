import type { PushSubscriptionWire, SiteConfig } from '../../server/src/wire.ts';
import { createApi } from './api.ts';
import { createEmitter } from './emitter.ts';
import { installGlobal } from './global-queue.ts';
import { createIdentity } from './identity.ts';
import { takeLandingClick } from './landing-click.ts';
import { watchNavigations } from './navigations.ts';
import { planPrompt, scrolledPercent } from './prompt-timing.ts';
import { openPrompt } from './prompt-view.ts';
import { currentSubscription, pushSupported, subscribePush } from './push.ts';
import type { ScriptConfig } from './script-config.ts';
import { createStore } from './storage.ts';
import { createTracker, type TrackInput } from './tracker.ts';
import { parseJson, uuid } from './util.ts';

// localStorage keys, under the `beckon:` prefix.
const ANONYMOUS_ID = 'aid';
const SUBSCRIBER_ID = 'sid';
const CATEGORIES = 'cats';
const DISMISSED_AT = 'dismissed';
const PAGEVIEWS = 'pv';

/**
 * Wires the snippet to the page: the global, the pixel, the prompt and the subscription.
 * Every entry point funnels its failures into the 'error' event; nothing throws into the page.
 */
export function boot(cfg: ScriptConfig): void {
  const store = createStore();
  const events = createEmitter();
  const api = createApi(cfg.api, cfg.site);
  const supported = pushSupported();
  const report = (e: unknown) => events.emit('error', e instanceof Error ? e : Error(String(e)));

  const identity = createIdentity();
  let anonymousId: string | undefined;
  let config: Promise<SiteConfig> | undefined;
  let promptOpen = false;
  let autoArmed = false;

  const getAnonymousId = () => {
    if (!anonymousId) {
      anonymousId = store.get(ANONYMOUS_ID) || uuid();
      store.set(ANONYMOUS_ID, anonymousId);
    }
    return anonymousId;
  };
  const getConfig = () =>
    (config ||= api.config().catch((e) => {
      config = undefined;
      throw e;
    }));
  const subscribed = () => !!store.get(SUBSCRIBER_ID) && Notification.permission == 'granted';

  const tracker = createTracker({
    send: api.events,
    anonymousId: getAnonymousId,
    uuid,
    now: () => new Date(),
    gated: cfg.gated,
  });
  const track = (e: TrackInput) =>
    tracker.add({
      ...e,
      subscriberId: store.get(SUBSCRIBER_ID) || undefined,
      ...identity.get(),
    });

  /** POSTs the subscription; the same endpoint again updates its categories. */
  const save = async (subscription: PushSubscription, categories: string[]) => {
    let timezone: string | undefined;
    try {
      timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {}
    const { subscriberId } = await api.subscribe({
      subscription: subscription.toJSON() as PushSubscriptionWire,
      categories,
      anonymousId: getAnonymousId(),
      ...identity.get(),
      timezone,
      language: navigator.language,
    });
    store.set(SUBSCRIBER_ID, subscriberId);
    store.set(CATEGORIES, JSON.stringify(categories));
    events.emit('subscribed', { subscriberId, categories });
  };

  const setCategories = async (ids: unknown) => {
    if (!Array.isArray(ids)) throw Error("beckon('categories') takes an array of category ids");
    const categories = ids.map(String);
    // Also the preselection for a prompt yet to come.
    store.set(CATEGORIES, JSON.stringify(categories));
    const subscription =
      supported && store.get(SUBSCRIBER_ID) && (await currentSubscription(cfg.sw));
    if (subscription) await save(subscription, categories);
  };

  const showPrompt = async (auto?: boolean) => {
    if (!supported) throw Error('Web push is not supported in this browser');
    const c = await getConfig();
    const editing = subscribed();
    // A visitor may have subscribed through beckon('prompt') since the timer was set.
    if (promptOpen || (auto && editing)) return;
    const chosen = parseJson<string[]>(store.get(CATEGORIES));
    promptOpen = true;
    openPrompt(
      c.prompt,
      c.categories || [],
      (cat) => (chosen ? chosen.includes(cat.id) : !!cat.default),
      {
        allow(categories) {
          promptOpen = false;
          (editing
            ? setCategories(categories)
            : subscribePush(cfg.sw, c.vapidPublicKey).then((s) => save(s, categories))
          ).catch(report);
        },
        dismiss() {
          promptOpen = false;
          if (editing) return;
          store.set(DISMISSED_AT, String(Date.now()));
          events.emit('dismissed');
        },
      },
    );
  };

  /** Schedules the prompt per its trigger, once per page load. */
  const armPrompt = async () => {
    if (!supported || autoArmed) return;
    const c = await getConfig();
    const plan = planPrompt(c.prompt, {
      now: Date.now(),
      dismissedAt: Number(store.get(DISMISSED_AT)) || undefined,
      subscribed: subscribed(),
      permission: Notification.permission,
      pageviews: Number(store.get(PAGEVIEWS)) || 0,
    });
    if (!plan || autoArmed) return;
    autoArmed = true;
    const show = () => showPrompt(true).catch(report);
    if ('delay' in plan) return void setTimeout(show, plan.delay);
    const onScroll = () => {
      const page = document.documentElement;
      if (scrolledPercent(scrollY, innerHeight, page.scrollHeight) < plan.scroll) return;
      removeEventListener('scroll', onScroll);
      show();
    };
    addEventListener('scroll', onScroll, { passive: true });
    // A page too short to scroll has already been seen in full.
    onScroll();
  };

  const page = (referrer = document.referrer) => {
    track({
      type: 'page',
      properties: {
        url: location.href,
        path: location.pathname,
        title: document.title,
        referrer,
      },
    });
    store.set(PAGEVIEWS, String((Number(store.get(PAGEVIEWS)) || 0) + 1));
    armPrompt().catch(report);
  };

  const commands: { [name: string]: (...args: any[]) => unknown } = {
    page: () => page(),
    track: (event: unknown, properties?: Record<string, unknown>) =>
      track({ type: 'track', event: String(event), properties }),
    identify(id: unknown, traits?: Record<string, unknown>, options?: { userHash?: unknown }) {
      identity.set(id, options);
      track({ type: 'identify', traits });
    },
    prompt: () => showPrompt(),
    categories: setCategories,
    consent: (given: unknown) => tracker.consent(given !== false),
    on(name: string, callback: unknown) {
      if (typeof callback == 'function') events.on(name, callback as (data: unknown) => void);
    },
  };

  const run = (args: unknown[]) => {
    try {
      const command = commands[String(args[0])];
      if (!command) throw Error(`Unknown beckon command: ${String(args[0])}`);
      Promise.resolve(command(...args.slice(1))).catch(report);
    } catch (e) {
      report(e);
    }
  };

  if (!installGlobal(window, run)) return;

  const bye = () => tracker.flush(true);
  addEventListener('pagehide', bye);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState == 'hidden') bye();
  });
  try {
    const clicked = takeLandingClick();
    if (clicked)
      api
        .receipt({ deliveryId: clicked, kind: 'clicked', at: new Date().toISOString() })
        .catch(report);
  } catch (e) {
    report(e);
  }
  page();
  if (cfg.spa) watchNavigations(page);
}
