import type { PushSubscriptionWire, SiteConfig } from '../../server/src/wire.ts';
import { createApi } from './api.ts';
import { createEmitter } from './emitter.ts';
import { installGlobal } from './global-queue.ts';
import { createIdentity } from './identity.ts';
import { currentIosMode } from './ios.ts';
import { takeLandingClick } from './landing-click.ts';
import { watchNavigations } from './navigations.ts';
import { localize } from './localize.ts';
import { planPrompt, scrolledPercent } from './prompt-timing.ts';
import { openGuidance, openPrompt } from './prompt-view.ts';
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
const DISMISSALS = 'dn';
const PAGEVIEWS = 'pv';
const ENDPOINT = 'ep';
const IOS_GUIDED = 'ios';

/**
 * Wires the snippet to the page: the global, the pixel, the prompt and the subscription.
 * Every entry point funnels its failures into the 'error' event; nothing throws into the page.
 */
export function boot(cfg: ScriptConfig): void {
  const store = createStore();
  const events = createEmitter();
  const api = createApi(cfg.api, cfg.site);
  const supported = pushSupported();
  // An iPhone/iPad browser tab: push needs the site on the Home Screen first.
  const iosTab = currentIosMode() == 'tab';
  const report = (e: unknown) => events.emit('error', e instanceof Error ? e : Error(String(e)));

  const identity = createIdentity();
  let anonymousId: string | undefined;
  let config: Promise<SiteConfig & { iosGuidance: string }> | undefined;
  let promptOpen = false;
  let autoArmed = false;

  const getAnonymousId = () => {
    if (!anonymousId) {
      anonymousId = store.get(ANONYMOUS_ID) || uuid();
      store.set(ANONYMOUS_ID, anonymousId);
    }
    return anonymousId;
  };
  // The prompt's texts (and the iOS guidance) in the visitor's language, where translated.
  const getConfig = () =>
    (config ||= api.config().then(
      (c) => ({ ...c, ...localize(c.prompt, c.categories || [], navigator.languages || []) }),
      (e) => {
        config = undefined;
        throw e;
      },
    ));
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
  const save = async (
    subscription: PushSubscription,
    categories: string[],
    oldEndpoint?: string,
  ) => {
    let timezone: string | undefined;
    try {
      timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {}
    const { subscriberId } = await api.subscribe({
      subscription: subscription.toJSON() as PushSubscriptionWire,
      oldEndpoint,
      categories,
      anonymousId: getAnonymousId(),
      ...identity.get(),
      timezone,
      language: navigator.language,
    });
    store.set(SUBSCRIBER_ID, subscriberId);
    store.set(ENDPOINT, subscription.endpoint);
    store.set(CATEGORIES, JSON.stringify(categories));
    events.emit('subscribed', { subscriberId, categories });
  };

  /**
   * Ends this browser's subscription: at the push service (when the visitor asked), on the
   * server with its reason (counted per site and day), and here. 'unsubscribed' follows.
   */
  const unsubscribe = async (reason: 'unsubscribed' | 'revoked') => {
    const subscription = supported ? await currentSubscription(cfg.sw) : undefined;
    const endpoint = subscription?.endpoint || store.get(ENDPOINT);
    if (reason == 'unsubscribed') await subscription?.unsubscribe();
    store.del(SUBSCRIBER_ID);
    store.del(ENDPOINT);
    if (endpoint) await api.unsubscribe({ endpoint, reason });
    events.emit('unsubscribed', { reason });
  };

  /**
   * On every page load: a permission the visitor took back in the browser's settings ends the
   * subscription (reason 'revoked'); a subscription the browser lost while permission stands
   * (site data cleared, a key change) is renewed silently, in place of the old one.
   */
  const checkSubscription = async () => {
    const endpoint = store.get(ENDPOINT);
    if (!supported || !store.get(SUBSCRIBER_ID)) return;
    if (Notification.permission != 'granted') return unsubscribe('revoked');
    const current = await currentSubscription(cfg.sw);
    if (current && current.endpoint == endpoint) return;
    const categories = parseJson<string[]>(store.get(CATEGORIES)) || [];
    const renewed = current || (await subscribePush(cfg.sw, (await getConfig()).vapidPublicKey));
    await save(renewed, categories, endpoint || undefined);
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

  /**
   * In an iOS tab, "Add to Home Screen" guidance instead of a prompt that cannot work: on its
   * own once per browser (unless the site turned it off), on `beckon('prompt')` every time.
   */
  const showGuidance = async (auto?: boolean) => {
    const c = await getConfig();
    const off = c.prompt.iosGuidance === false;
    if (off && !auto) throw Error('Web push on iOS needs the site added to the Home Screen');
    if (promptOpen || (auto && (off || store.get(IOS_GUIDED)))) return;
    store.set(IOS_GUIDED, '1');
    openGuidance(c.prompt, c.iosGuidance);
  };

  const showPrompt = async (auto?: boolean) => {
    if (iosTab) return showGuidance(auto);
    if (!supported) throw Error('Web push is not supported in this browser');
    const c = await getConfig();
    const editing = subscribed();
    // A visitor may have subscribed through beckon('prompt') since the timer was set.
    if (promptOpen || (auto && editing)) return;
    const chosen = parseJson<string[]>(store.get(CATEGORIES));
    promptOpen = true;
    // A subscriber gets the topics panel: save their topics, or turn notifications off.
    const p = editing ? { ...c.prompt, allowText: c.prompt.saveText || 'Save' } : c.prompt;
    openPrompt(p, c.categories || [], (cat) => (chosen ? chosen.includes(cat.id) : !!cat.default), {
      allow(categories) {
        promptOpen = false;
        (editing
          ? setCategories(categories)
          : subscribePush(cfg.sw, c.vapidPublicKey).then((s) => save(s, categories))
        ).catch(report);
      },
      unsubscribe: editing
        ? () => {
            promptOpen = false;
            unsubscribe('unsubscribed').catch(report);
          }
        : undefined,
      dismiss() {
        promptOpen = false;
        if (editing) return;
        store.set(DISMISSED_AT, String(Date.now()));
        store.set(DISMISSALS, String((Number(store.get(DISMISSALS)) || 0) + 1));
        events.emit('dismissed');
      },
    });
  };

  /** Schedules the prompt per its trigger, once per page load. */
  const armPrompt = async () => {
    if ((!supported && !iosTab) || autoArmed || (iosTab && store.get(IOS_GUIDED))) return;
    const c = await getConfig();
    const plan = planPrompt(c.prompt, {
      now: Date.now(),
      dismissedAt: Number(store.get(DISMISSED_AT)) || undefined,
      dismissals: Number(store.get(DISMISSALS)) || 0,
      // A tab on iOS has no Notification to ask.
      subscribed: !iosTab && subscribed(),
      permission: iosTab ? 'default' : Notification.permission,
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
    preferences: () => showPrompt(),
    unsubscribe: () => unsubscribe('unsubscribed'),
    /** On logout: this browser forgets its user, here and on the server. */
    async reset() {
      tracker.forget();
      identity.set(undefined);
      anonymousId = uuid();
      store.set(ANONYMOUS_ID, anonymousId);
      const subscription = subscribed() && (await currentSubscription(cfg.sw));
      if (subscription)
        await api.subscribe({
          subscription: subscription.toJSON() as PushSubscriptionWire,
          externalId: null,
          anonymousId,
        });
    },
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
  checkSubscription().catch(report);
}
