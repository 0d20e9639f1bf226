import { z } from 'zod';
import { AUTH_BYTES, isP256Point, P256DH_BYTES } from '../domain/push-keys.ts';
import { isAllowedPushEndpoint } from '../domain/push-endpoints.ts';
import type { Job } from '../storage/jobs.ts';
import type { Store } from '../storage/store.ts';
import type { ImportedSubscription } from '../storage/subscriber-import.ts';

export const SUBSCRIPTION_IMPORT_JOB = 'subscriptions.import';

export interface ImportJobPayload {
  siteId: string;
  /**
   * The file's records as parsed, with their 1-based line (or array position), repeated
   * endpoints already merged (see `mergeByEndpoint`); the job validates them.
   */
  records: Array<[line: number, record: unknown]>;
  /** Records folded into a later one with the same endpoint. */
  merged: number;
}

export interface ImportResult {
  imported: number;
  updated: number;
  invalid: number;
  merged: number;
  /** The first invalid records, by their 1-based line (or array position). */
  errors: Array<{ line: number; message: string }>;
}

const CHUNK = 1_000;
const MAX_ERRORS = 20;

const key = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url')
    .refine((s) => Buffer.from(s, 'base64url').length === bytes, `must be ${bytes} bytes`);

/** One record of the file (API.md "Migration"), held to the same rules as a browser's. */
const recordSchema = z.object({
  endpoint: z.string().min(1).max(2048),
  keys: z.object({
    p256dh: key(P256DH_BYTES).refine(
      (s) => isP256Point(Buffer.from(s, 'base64url')),
      'must be an uncompressed point on P-256',
    ),
    auth: key(AUTH_BYTES),
  }),
  externalId: z.string().min(1).max(256).optional(),
  categories: z.array(z.string().max(64)).max(100).optional(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
  timezone: z.string().max(64).optional(),
  language: z.string().max(35).optional(),
});

/**
 * Moves an audience from another push vendor: validates each record like a browser's
 * subscription (a known push service — no SSRF — and a real P-256 key; categories the site
 * has), merges repeated endpoints (the later record wins), and writes a chunk at a time with
 * progress in the job, so a 100k-line file shows progress and a taken-over job resumes.
 */
export function createImportJob(deps: {
  store: Store;
  clock: () => number;
  leaseMs: number;
  pushOriginsAllow: readonly string[];
}) {
  const { store, clock } = deps;
  return async function runImportJob(job: Job, signal?: AbortSignal): Promise<ImportResult> {
    const payload = job.payload as ImportJobPayload;
    const site = await store.sites.get(job.workspaceId, payload.siteId);
    if (!site) throw new Error(`site ${payload.siteId} no longer exists`);
    const categories = new Set(site.categories.map((c) => c.id));
    const total = payload.records.length;
    const result: ImportResult = {
      imported: 0,
      updated: 0,
      invalid: 0,
      merged: payload.merged,
      errors: [],
      ...(job.result as Partial<ImportResult> | null),
    };
    let offset = job.progress.done;
    while (offset < total) {
      signal?.throwIfAborted();
      const valid: ImportedSubscription[] = [];
      for (const [line, raw] of payload.records.slice(offset, offset + CHUNK)) {
        const checked = validate(raw, categories, deps.pushOriginsAllow);
        if (typeof checked !== 'string') valid.push(checked);
        else {
          result.invalid++;
          if (result.errors.length < MAX_ERRORS) result.errors.push({ line, message: checked });
        }
      }
      const now = clock();
      const written = await store.subscriberImport.importChunk(
        { workspaceId: site.workspaceId, siteId: site.id },
        valid,
        now,
      );
      result.imported += written.imported;
      result.updated += written.updated;
      offset = Math.min(total, offset + CHUNK);
      await store.jobs.checkpoint(
        job.id,
        { done: offset, total, result, leaseUntil: now + deps.leaseMs },
        now,
      );
    }
    return result;
  };
}

/**
 * Parses an import file: a JSON array, or NDJSON (one JSON object per line; blank lines
 * skipped). Records that repeat an endpoint are folded into the last one, fields of the
 * later record winning, so each endpoint is written once. A line that is not JSON stays in,
 * as a string, to be counted invalid with its line number.
 */
export function parseImportFile(
  text: string,
  parse: (json: string) => unknown,
): Pick<ImportJobPayload, 'records' | 'merged'> {
  const trimmed = text.trimStart();
  const lines: Array<[number, unknown]> = [];
  if (trimmed.startsWith('[')) {
    const all = parse(trimmed);
    if (!Array.isArray(all)) throw new SyntaxError('a JSON array or NDJSON');
    all.forEach((record, i) => lines.push([i + 1, record]));
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        lines.push([i + 1, parse(line)]);
      } catch (error) {
        lines.push([i + 1, `not JSON: ${(error as Error).message}`]);
      }
    });
  }
  const byEndpoint = new Map<unknown, [number, unknown]>();
  const records: Array<[number, unknown]> = [];
  let merged = 0;
  for (const [line, record] of lines) {
    const endpoint = (record as { endpoint?: unknown } | null)?.endpoint;
    const earlier = typeof endpoint === 'string' ? byEndpoint.get(endpoint) : undefined;
    if (earlier && isObject(earlier[1]) && isObject(record)) {
      earlier[1] = { ...earlier[1], ...record };
      earlier[0] = line;
      merged++;
      continue;
    }
    const entry: [number, unknown] = [line, record];
    if (typeof endpoint === 'string') byEndpoint.set(endpoint, entry);
    records.push(entry);
  }
  return { records, merged };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function validate(
  raw: unknown,
  categories: ReadonlySet<string>,
  pushOriginsAllow: readonly string[],
): ImportedSubscription | string {
  if (typeof raw === 'string') return raw; // a line that was not JSON (see parseImportFile)
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${issue.path.join('.') || 'record'}: ${issue.message}`;
  }
  const r = parsed.data;
  if (!isAllowedPushEndpoint(r.endpoint, pushOriginsAllow)) {
    return 'endpoint: is not a known push service';
  }
  const unknown = r.categories?.filter((c) => !categories.has(c)) ?? [];
  if (unknown.length > 0) return `categories: unknown ${unknown.join(', ')}`;
  return {
    endpoint: r.endpoint,
    p256dh: r.keys.p256dh,
    auth: r.keys.auth,
    ...(r.externalId !== undefined && { externalId: r.externalId }),
    ...(r.categories !== undefined && { categories: r.categories }),
    ...(r.createdAt !== undefined && { createdAt: Date.parse(r.createdAt) }),
    ...(r.timezone !== undefined && { timezone: r.timezone }),
    ...(r.language !== undefined && { language: r.language }),
  };
}
