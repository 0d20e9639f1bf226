import { nextTurn } from '../delivery/next-turn.ts';
import type { Member } from '../storage/audiences.ts';
import type { NewEvent } from '../storage/events.ts';
import type { Job } from '../storage/jobs.ts';
import { ERASED } from '../storage/scrub-json.ts';
import type { Store } from '../storage/store.ts';
import { recordAudienceMoves, type AudienceMove } from './audience-moves.ts';

export const AUDIENCE_MEMBERS_JOB = 'audience.members';

export interface MembersJobPayload {
  audienceId: string;
  /** How many ids to add, then remove: they wait in `job_chunks`, {@link CHUNK} a row. */
  adds?: number;
  removes?: number;
  /** Jobs queued before migration 0012 carry their ids here instead. */
  add?: Member[];
  remove?: Member[];
  /** How many of add-then-remove are done; a taken-over job resumes here. */
  offset: number;
  added: number;
  removed: number;
  skipped: number;
}

const CHUNK = 1_000;

/**
 * A members change as a job payload and the chunks stored beside it (`store.jobChunks`):
 * the adds' chunks first, then the removes', so an offset names its chunk.
 */
export function membersJobInput(
  audienceId: string,
  add: readonly Member[],
  remove: readonly Member[],
): { payload: MembersJobPayload; chunks: Member[][] } {
  const chunks: Member[][] = [];
  for (const list of [add, remove]) {
    for (let i = 0; i < list.length; i += CHUNK) chunks.push(list.slice(i, i + CHUNK));
  }
  return {
    payload: {
      audienceId,
      adds: add.length,
      removes: remove.length,
      offset: 0,
      added: 0,
      removed: 0,
      skipped: 0,
    },
    chunks,
  };
}

/**
 * Applies a members change in chunks, saving progress with each, so a 100k-id import shows
 * progress in `GET /v1/jobs/{id}` and survives a restart. Users are kept by externalId even
 * before they have a subscriber; a subscriber id that is not the workspace's is skipped.
 * Each real change records an Audience Entered / Exited event in the chunk's transaction
 * (one insert per chunk), and `onEvents` starts the triggers that watch them.
 */
export function createMembersJob(deps: {
  store: Store;
  clock: () => number;
  leaseMs: number;
  onEvents?: (workspaceId: string, events: readonly NewEvent[]) => Promise<void>;
}) {
  const { store, clock } = deps;
  return async function runMembersJob(job: Job, signal?: AbortSignal) {
    const payload = job.payload as MembersJobPayload;
    const audience = await store.audiences.get(job.workspaceId, payload.audienceId);
    if (!audience) throw new Error(`audience ${payload.audienceId} no longer exists`);
    const legacy = payload.add !== undefined || payload.remove !== undefined;
    const adds = payload.add?.length ?? payload.adds ?? 0;
    const total = adds + (payload.remove?.length ?? payload.removes ?? 0);
    // Progress lives in the job's `done` and `result`, and the ids in `job_chunks`: a
    // checkpoint rewrites a small row, so an import takes time in proportion to its size.
    const tally = job.result as Partial<Record<'added' | 'removed' | 'skipped', number>> | null;
    let offset = Math.max(payload.offset, job.progress.done);
    let added = tally?.added ?? payload.added;
    let removed = tally?.removed ?? payload.removed;
    let skipped = tally?.skipped ?? payload.skipped;
    while (offset < total) {
      // Shutting down: stop between pages; the checkpoint says where the next worker resumes.
      signal?.throwIfAborted();
      const adding = offset < adds;
      const start = adding ? offset : offset - adds;
      const seq = adding ? start / CHUNK : Math.ceil(adds / CHUNK) + start / CHUNK;
      const chunk = legacy
        ? (adding ? (payload.add ?? []) : (payload.remove ?? [])).slice(start, start + CHUNK)
        : await store.jobChunks.get<Member>(job.id, seq);
      // Applied chunks are deleted with their checkpoint, so a missing one is a bug.
      if (!chunk || chunk.length === 0) throw new Error(`members chunk ${seq} is missing`);
      const known = await store.subscribers.knownIds(
        job.workspaceId,
        chunk.filter((m) => m.type === 'subscriber').map((m) => m.id),
      );
      // An id replaced by a GDPR erase while the job waited is nobody: skip it.
      const valid = chunk.filter((m) => m.id !== ERASED && (m.type === 'user' || known.has(m.id)));
      const now = clock();
      const events = await store.transaction(async (tx) => {
        const changed = adding
          ? await tx.audiences.addMembersReturning(audience, valid, now)
          : await tx.audiences.removeMembersReturning(audience, valid);
        if (adding) added += changed.length;
        else removed += changed.length;
        const moves = changed.map((member): AudienceMove => ({
          audience,
          member,
          direction: adding ? 'add' : 'remove',
        }));
        skipped += chunk.length - valid.length;
        offset += chunk.length;
        if (!legacy) await tx.jobChunks.delete(job.id, seq);
        await tx.jobs.checkpoint(
          job.id,
          {
            done: offset,
            total,
            result: { added, removed, skipped },
            leaseUntil: now + deps.leaseMs,
          },
          now,
        );
        return recordAudienceMoves(tx, moves, now);
      });
      if (events.length > 0) await deps.onEvents?.(job.workspaceId, events);
      await nextTurn();
    }
    return { added, removed, skipped };
  };
}
