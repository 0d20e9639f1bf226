import type { Evergreen } from '../audiences/evergreen.ts';
import type { Principal } from './auth.ts';
import type { NewEvent } from '../storage/events.ts';
import type { Store } from '../storage/store.ts';
import type { Site } from '../storage/sites.ts';
import type { Workspace } from '../storage/workspaces.ts';

/** What the HTTP layer needs from the rest of the server; passed in, never imported. */
export interface AppDeps {
  store: Store;
  clock: () => number;
  /** Called after work is queued so in-process workers start at once. */
  wake: () => void;
  pushOriginsAllow: readonly string[];
  rateLimit: { perIpPerMinute: number; perSitePerMinute: number };
  /** Hops of `X-Forwarded-For` to believe for the client IP (`BECKON_TRUST_PROXY`); 0 if unset. */
  trustProxy?: number;
  /** `GET /metrics` answers only `Bearer <this>`; unset → 404 (`BECKON_METRICS_TOKEN`). */
  metricsToken?: string;
  /** Absolute paths of the browser bundles served at /beckon.js and /beckon-sw.js. */
  assets: { snippet: string; serviceWorker: string };
  log: (message: string) => void;
  /** New events were stored (triggers and evergreen campaigns react to them). */
  onEvents?: (workspaceId: string, events: readonly NewEvent[]) => Promise<void>;
  evergreen?: Evergreen;
  /** Where the dashboard's build lives (`packages/dashboard/dist`); unset → not served. */
  dashboardDir?: string;
}

export type AppEnv = {
  Variables: {
    workspace: Workspace;
    site: Site;
    /** Set by the auth middleware on private routes. */
    principal: Principal;
  };
};
