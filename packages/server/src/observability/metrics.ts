import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Gauges read at scrape time from cheap, capped counts (storage/queue-depth.ts and friends). */
export interface GaugeSources {
  queueDepths(): Promise<Record<string, number>>;
  triggerRunsWaiting(): Promise<number>;
  webhookBacklog(): Promise<number>;
}

/**
 * The process's Prometheus metrics (API.md "Operations"), one registry per server — no module
 * state, so two servers in one test process do not mix their counts. Counters move as the
 * work happens; the few gauges are capped counts read when Prometheus scrapes (each walks an
 * index and stops at QUEUE_DEPTH_CAP rows, never a table scan). Event-loop lag and the usual
 * process figures come from prom-client's default collectors.
 *
 * @example const metrics = createMetrics(); metrics.deliveries.inc({ outcome: 'delivered' });
 */
export function createMetrics() {
  const registry = new Registry();
  let sources: GaugeSources | undefined;
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const metrics = {
    registry,
    deliveries: new Counter({
      name: 'beckon_deliveries_total',
      help: 'Delivery outcomes recorded by this process (retry: one more attempt later).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    pushResponses: new Counter({
      name: 'beckon_push_responses_total',
      help: 'Push-service answers by origin and HTTP status (0: no answer).',
      labelNames: ['origin', 'status'] as const,
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'beckon_delivery_latency_seconds',
      help: 'From a notification being accepted (or due) to the push service accepting a delivery.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
    eventsIngested: new Counter({
      name: 'beckon_events_ingested_total',
      help: 'Events stored by this process (pixel and ingestion API).',
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'beckon_webhook_attempts_total',
      help: 'Events-out requests by destination kind and result.',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'beckon_queue_depth',
      help: 'Queued items per lane (capped count).',
      labelNames: ['lane'] as const,
      registers: [registry],
      async collect() {
        if (!sources) return;
        for (const [lane, depth] of Object.entries(await sources.queueDepths())) {
          this.set({ lane }, depth);
        }
      },
    }),
    triggerRunsWaiting: new Gauge({
      name: 'beckon_trigger_runs_waiting',
      help: 'Trigger runs waiting on a timer (capped count).',
      registers: [registry],
      async collect() {
        if (sources) this.set(await sources.triggerRunsWaiting());
      },
    }),
    webhookBacklog: new Gauge({
      name: 'beckon_webhook_backlog',
      help: 'Events-out messages not yet accepted by their destination (capped count).',
      registers: [registry],
      async collect() {
        if (sources) this.set(await sources.webhookBacklog());
      },
    }),
    /** Where the scrape-time gauges read from (the server wires its store). */
    readGaugesFrom(s: GaugeSources) {
      sources = s;
    },
    /** The Prometheus text exposition. */
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
