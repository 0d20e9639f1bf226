import type { Role } from '../storage/schema.ts';
import { ProblemError } from './problem.ts';

/**
 * What each role may do (API.md "Dashboard and accounts"): an owner everything; a marketer
 * everything but API keys, the team and secrets; a viewer reads only. API keys act as owner.
 * Checked for every private request, before its route runs, so a route cannot skip it;
 * test/roles.test.ts drives every registered route as each role against a table that a new
 * route must join.
 */
const OWNER_ONLY: readonly RegExp[] = [
  /^\/v1\/api-keys(\/|$)/,
  /^\/v1\/team(\/|$)/,
  // Secrets: rotating a site's identity secret shows the new one.
  /^\/v1\/sites\/[^/]+\/identity-secret$/,
];

const READS = new Set(['GET', 'HEAD']);

/** Throws a 403 problem when `role` may not make this request. */
export function assertAllowed(role: Role, method: string, path: string): void {
  if (role === 'owner') return;
  if (OWNER_ONLY.some((pattern) => pattern.test(path))) {
    throw new ProblemError(403, 'Forbidden', 'Only an owner may do this');
  }
  if (role === 'viewer' && !READS.has(method)) {
    throw new ProblemError(403, 'Forbidden', 'A viewer may only read');
  }
}

export const ROLES = ['owner', 'marketer', 'viewer'] as const satisfies readonly Role[];
