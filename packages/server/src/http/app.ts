import { OpenAPIHono } from '@hono/zod-openapi';
import { requireAuth } from './auth.ts';
import { createEventIntake } from '../ingestion/event-intake.ts';
import { createSendIntake } from '../notifications/send-intake.ts';
import type { AppDeps, AppEnv, RouteDeps } from './context.ts';
import { docsRoutes } from './docs.ts';
import { apiDocument } from './document.ts';
import { createMetrics } from '../observability/metrics.ts';
import { ProblemError, problemResponse } from './problem.ts';
import { requestLog } from './request-log.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { audienceRoutes } from './routes/audiences.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { ingestionRoutes } from './routes/ingestion.ts';
import { metaRoutes } from './routes/meta.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { publicRoutes } from './routes/public.ts';
import { sessionRoutes } from './routes/session.ts';
import { siteRoutes } from './routes/sites.ts';
import { statsRoutes } from './routes/stats.ts';
import { subscriberRoutes } from './routes/subscribers.ts';
import { teamRoutes } from './routes/team.ts';
import { triggerRoutes } from './routes/triggers.ts';
import { userRoutes } from './routes/users.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { workspaceRoutes } from './routes/workspace.ts';

/**
 * The whole HTTP surface of API.md as one Hono app. Tests drive it with `app.request()`;
 * `serve` hands it to `@hono/node-server`.
 *
 * @example const app = createApp(deps); const res = await app.request('/healthz');
 */
export function createApp(appDeps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const metrics = appDeps.metrics ?? createMetrics();
  const { store } = appDeps;
  metrics.readGaugesFrom({
    queueDepths: () => store.health.queueDepths(),
    triggerRunsWaiting: () => store.health.triggerRunsWaiting(),
    webhookBacklog: () => store.webhooks.backlog(),
  });
  // Every stored event passes through the intake (pixel and ingestion API): count it there.
  const deps: RouteDeps = {
    ...appDeps,
    intake: createEventIntake({
      store: appDeps.store,
      clock: appDeps.clock,
      committed: (_workspaceId, events, runsStarted) => {
        metrics.eventsIngested.inc(events.length);
        appDeps.eventsCommitted?.(events, runsStarted);
      },
    }),
    sends: createSendIntake({
      store: appDeps.store,
      clock: appDeps.clock,
      wake: appDeps.wake,
      handOff: appDeps.expressHandOff,
    }),
  };
  const auth = requireAuth(deps);
  app.use('*', requestLog());

  // Built on first request, once every route below has declared itself.
  let document: ReturnType<typeof apiDocument> | undefined;
  app.route(
    '/',
    metaRoutes(deps, metrics, () => (document ??= apiDocument(app))),
  );
  app.route('/', docsRoutes());
  app.route('/', dashboardRoutes(deps.dashboardDir));
  // Public routes answer their own CORS, so they come before the API-key guard.
  app.route('/v1/sites', publicRoutes(deps));
  // Sign-in and set-password need no key; the others read the cookie themselves.
  app.route('/v1', sessionRoutes(deps));
  // Segment-style ingestion also takes the key as HTTP Basic user name (a write key).
  const writeKey = requireAuth(deps, { allowBasic: true });
  for (const call of ['identify', 'track', 'page', 'screen', 'group', 'alias', 'batch']) {
    app.use(`/v1/${call}`, writeKey);
  }
  app.route('/v1', ingestionRoutes(deps));
  app.use('/v1/*', auth);
  app.route('/v1/sites', siteRoutes(deps));
  app.route('/v1/subscribers', subscriberRoutes(deps));
  app.route('/v1/campaigns', campaignRoutes(deps));
  app.route('/v1/notifications', notificationRoutes(deps));
  app.route('/v1/audiences', audienceRoutes(deps));
  app.route('/v1/users', userRoutes(deps));
  app.route('/v1/triggers', triggerRoutes(deps));
  app.route('/v1/webhooks', webhookRoutes(deps));
  app.route('/v1', workspaceRoutes(deps));
  app.route('/v1/api-keys', apiKeyRoutes(deps));
  app.route('/v1/team', teamRoutes(deps));
  app.route('/v1/stats', statsRoutes(deps));

  app.notFound((c) =>
    problemResponse(
      c,
      new ProblemError(404, 'Not Found', `No route for ${c.req.method} ${c.req.path}`),
    ),
  );
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error);
    deps.log(`unhandled error on ${c.req.method} ${c.req.routePath}: ${error.stack ?? error}`, {
      requestId: c.get('requestId'),
    });
    return problemResponse(
      c,
      new ProblemError(500, 'Internal Server Error', 'Something went wrong on our side'),
    );
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
