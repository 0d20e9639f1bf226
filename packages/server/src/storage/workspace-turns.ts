/** Workspaces with work queued but not yet claimable a claim looks past before it gives up. */
export const WORKSPACE_PROBES = 100;

/**
 * The workspaces a claim fair between workspaces visits, in turn: each one after `after` (in
 * id order) that `next` finds work in, wrapping round once to the first, and ending back at
 * `after` itself (every one has had its turn), at one seen already, or after
 * {@link WORKSPACE_PROBES} probes. The caller stops it (`break`) once its batch is full. Shared
 * by the express job claim (jobs.ts), the express delivery claim (lane-claims.ts) and the
 * trigger-run claim (triggers.ts).
 *
 * @example
 * for await (const workspaceId of workspacesInTurn(after, (c) => nextQueuedWorkspace('express', c))) {
 *   rows.push(...(await leaseFrom(workspaceId)));
 *   if (rows.length >= limit) break;
 * }
 */
export async function* workspacesInTurn(
  after: string | null,
  next: (cursor: string | null) => Promise<string | null>,
): AsyncGenerator<string> {
  const visited = new Set<string>();
  let cursor = after;
  let wrapped = after === null;
  for (let probes = 0; probes < WORKSPACE_PROBES; probes++) {
    const workspaceId = await next(cursor);
    if (workspaceId === null) {
      if (wrapped) return;
      wrapped = true;
      cursor = null;
      continue;
    }
    if (visited.has(workspaceId)) return;
    visited.add(workspaceId);
    cursor = workspaceId;
    yield workspaceId;
    if (workspaceId === after) return;
  }
}
