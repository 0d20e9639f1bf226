import type { Member } from '../storage/audiences.ts';
import type { Job } from '../storage/jobs.ts';
import { ERASED } from '../storage/scrub-json.ts';
import type { Store } from '../storage/store.ts';

export const AUDIENCE_MEMBERS_JOB = 'audience.members';

export interface MembersJobPayload {
  audienceId: string;
  add: Member[];
  remove: Member[];
  /** How many of add-then-remove are done; a taken-over job resumes here. */
  offset: number;
  added: number;
  removed: number;
  skipped: number;
}

const CHUNK = 1_000;

/**
 * Applies a members change in chunks, saving progress with each, so a 100k-id import shows
 * progress in `GET /v1/jobs/{id}` and survives a restart. Users are kept by externalId even
 * before they have a subscriber; a subscriber id that is not the workspace's is skipped.
 */
export function createMembersJob(deps: { store: Store; clock: () => number; leaseMs: number }) {
  const { store, clock } = deps;
  return async function runMembersJob(job: Job) {
    const payload = job.payload as MembersJobPayload;
    const audience = await store.audiences.get(job.workspaceId, payload.audienceId);
    if (!audience) throw new Error(`audience ${payload.audienceId} no longer exists`);
    const total = payload.add.length + payload.remove.length;
    let { offset, added, removed, skipped } = payload;
    while (offset < total) {
      const adding = offset < payload.add.length;
      const list = adding ? payload.add : payload.remove;
      const start = adding ? offset : offset - payload.add.length;
      const chunk = list.slice(start, start + CHUNK);
      const known = await knownSubscribers(store, job.workspaceId, chunk);
      // An id replaced by a GDPR erase while the job waited is nobody: skip it.
      const valid = chunk.filter((m) => m.id !== ERASED && (m.type === 'user' || known.has(m.id)));
      const now = clock();
      await store.db.kysely.transaction().execute(async (trx) => {
        if (adding) added += await store.audiences.addMembers(audience, valid, now, trx);
        else removed += await store.audiences.removeMembers(audience, valid, trx);
        skipped += chunk.length - valid.length;
        offset += chunk.length;
        await store.jobs.checkpoint(
          job.id,
          {
            done: offset,
            total,
            payload: { ...payload, offset, added, removed, skipped },
            leaseUntil: now + deps.leaseMs,
          },
          now,
          trx,
        );
      });
    }
    return { added, removed, skipped };
  };
}

async function knownSubscribers(
  store: Store,
  workspaceId: string,
  members: Member[],
): Promise<Set<string>> {
  const ids = members.filter((m) => m.type === 'subscriber').map((m) => m.id);
  if (ids.length === 0) return new Set();
  const rows = await store.db.kysely
    .selectFrom('subscribers')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}
