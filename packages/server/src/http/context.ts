import type { Queued } from '../domain/lane.ts';
import type { Evergreen } from '../audiences/evergreen.ts';
import type { EventIntake } from '../ingestion/event-intake.ts';
import type { ExpressHandOff, SendIntake } from '../notifications/send-intake.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Principal } from './principal.ts';
import type { NewEvent } from '../storage/events.ts';
import type { Store } from '../storage/store.ts';
import type { Site } from '../storage/sites.ts';
import type { Workspace } from '../storage/workspaces.ts';

/** What the HTTP layer needs from the rest of the server; passed in, never imported. */
export interface AppDeps {
  store: Store;
  clock: () => number;
  /**
   * Called after work is queued so in-process workers start at once. A send says what it
   * queued — its lane, and whether its deliveries are written already (`fannedOut`) or wait
   * for the fan-out job — and only the one loop that takes it wakes.
   */
  wake: (queued?: Queued) => void;
  /**
   * The delivery worker of this process, taking an express send's deliveries as they are
   * written (notifications/send-intake.ts); its `reserve` refuses while no workers run here.
   */
  expressHandOff?: ExpressHandOff;
  pushOriginsAllow: readonly string[];
  /** Origins webhooks may target besides public `https:` (`BECKON_WEBHOOK_ORIGINS_ALLOW`). */
  webhookOriginsAllow?: readonly string[];
  rateLimit: { perIpPerMinute: number; perSitePerMinute: number };
  /** Hops of `X-Forwarded-For` to believe for the client IP (`BECKON_TRUST_PROXY`); 0 if unset. */
  trustProxy?: number;
  /** `GET /metrics` answers only `Bearer <this>`; unset → 404 (`BECKON_METRICS_TOKEN`). */
  metricsToken?: string;
  /** Absolute paths of the browser bundles served at /beckon.js and /beckon-sw.js. */
  assets: { snippet: string; serviceWorker: string };
  log: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Events were committed (with the trigger runs they started, in the same transaction):
   * wake the workers that react to them. Called once per request; coalesce there.
   */
  eventsCommitted?: (events: readonly NewEvent[], runsStarted: number) => void;
  evergreen?: Evergreen;
  /** The process's metrics (the delivery engine counts into the same registry); else a new one. */
  metrics?: Metrics;
  /** Where the dashboard's build lives (`packages/dashboard/dist`); unset → not served. */
  dashboardDir?: string;
}

/** What the routes get: the app's deps plus what `createApp` builds once for all of them. */
export type RouteDeps = AppDeps & { intake: EventIntake; sends: SendIntake };

export type AppEnv = {
  Variables: {
    workspace: Workspace;
    site: Site;
    /** Set by the request logger for every request. */
    requestId: string;
    /** Set by the auth middleware on private routes. */
    principal: Principal;
  };
};
