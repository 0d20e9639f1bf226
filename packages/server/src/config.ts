import { z } from 'zod';

const intFromEnv = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const envSchema = z.object({
  BECKON_DATABASE_URL: z.string().min(1).optional(),
  BECKON_PORT: intFromEnv(8787),
  BECKON_HOST: z.string().default('0.0.0.0'),
  BECKON_PUSH_ORIGINS_ALLOW: z.string().default(''),
  BECKON_INIT: z.string().optional(),
  /** `serve` runs the delivery workers in-process unless this is `off`. */
  BECKON_WORKERS: z.enum(['on', 'off']).default('on'),
  BECKON_LEASE_MS: intFromEnv(30_000),
  BECKON_POLL_MS: intFromEnv(250),
  BECKON_RETRY_BASE_MS: intFromEnv(1_000),
  BECKON_RATE_LIMIT_PER_IP: intFromEnv(6_000),
  BECKON_RATE_LIMIT_PER_SITE: intFromEnv(120_000),
  /** Hops of X-Forwarded-For to believe (proxies in front of Beckon); 0 ignores the header. */
  BECKON_TRUST_PROXY: intFromEnv(0),
  /** `GET /metrics` needs `Authorization: Bearer <token>`; unset, /metrics is a 404. */
  BECKON_METRICS_TOKEN: z.string().min(16).optional(),
  /** A PEM file of extra CAs for HTTPS push services (a local push service with its own cert). */
  BECKON_PUSH_CA_FILE: z.string().optional(),
  /** Push requests in flight per push-service origin (HTTP/2 streams, or HTTP/1.1 sockets). */
  BECKON_PUSH_CONCURRENCY: z.coerce.number().int().min(1).default(100),
  /** Threads that encrypt pushes; unset: one per core, 0: on the main thread. */
  BECKON_ENCRYPTION_THREADS: z.coerce.number().int().min(0).optional(),
  /** base64, 32 bytes: seals secrets at rest (required on PostgreSQL; SQLite: a key file). */
  BECKON_SECRET_KEY: z.string().min(1).optional(),
  /** Where people reach this server (links printed by `beckon users add`); default localhost. */
  BECKON_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export interface Config {
  databaseUrl: string | undefined;
  port: number;
  host: string;
  pushOriginsAllow: readonly string[];
  init: boolean;
  workers: boolean;
  leaseMs: number;
  pollMs: number;
  retryBaseMs: number;
  rateLimit: { perIpPerMinute: number; perSitePerMinute: number };
  trustProxy: number;
  metricsToken: string | undefined;
  pushCaFile: string | undefined;
  pushConcurrency: number;
  encryptionThreads: number | undefined;
  secretKey: string | undefined;
  /** The server's origin as people reach it (`BECKON_PUBLIC_URL`), else http://localhost:PORT. */
  publicUrl: string;
}

/**
 * Reads the `BECKON_*` environment once, validated, into a frozen config. The rest of the
 * server is handed this object and never reads `process.env`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = result.data;
  const origins = e.BECKON_PUSH_ORIGINS_ALLOW.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(pushOrigin);
  return Object.freeze({
    databaseUrl: e.BECKON_DATABASE_URL,
    port: e.BECKON_PORT,
    host: e.BECKON_HOST,
    pushOriginsAllow: Object.freeze(origins),
    init: e.BECKON_INIT === '1' || e.BECKON_INIT === 'true',
    workers: e.BECKON_WORKERS === 'on',
    leaseMs: e.BECKON_LEASE_MS,
    pollMs: e.BECKON_POLL_MS,
    retryBaseMs: e.BECKON_RETRY_BASE_MS,
    rateLimit: Object.freeze({
      perIpPerMinute: e.BECKON_RATE_LIMIT_PER_IP,
      perSitePerMinute: e.BECKON_RATE_LIMIT_PER_SITE,
    }),
    trustProxy: e.BECKON_TRUST_PROXY,
    metricsToken: e.BECKON_METRICS_TOKEN,
    pushCaFile: e.BECKON_PUSH_CA_FILE,
    pushConcurrency: e.BECKON_PUSH_CONCURRENCY,
    encryptionThreads: e.BECKON_ENCRYPTION_THREADS,
    secretKey: e.BECKON_SECRET_KEY,
    publicUrl: e.BECKON_PUBLIC_URL
      ? new URL(e.BECKON_PUBLIC_URL).origin
      : `http://localhost:${e.BECKON_PORT}`,
  });
}

/**
 * One `BECKON_PUSH_ORIGINS_ALLOW` entry as an origin. `new URL('127.0.0.1:9000')` parses (the
 * host reads as a scheme) and its origin is the string "null", so an entry without an
 * `http(s)://` scheme would silently allow nothing — refuse it at start instead.
 */
function pushOrigin(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin === 'null') {
    throw new Error(
      `Invalid configuration:\n  BECKON_PUSH_ORIGINS_ALLOW: "${entry}" is not an origin; ` +
        'write it with its scheme, e.g. https://push.example.com or http://127.0.0.1:9000',
    );
  }
  return url.origin;
}
