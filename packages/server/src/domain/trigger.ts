import { InvalidRuleError, parseWhere, type ParsedWhere } from './conditions.ts';
import { parseDuration } from './duration.ts';
import type { ContentOverride } from './payload.ts';
import { backoffDelay, type RetryPolicy } from './push-response.ts';

/** The synthetic events audience moves emit, so other triggers can watch audiences. */
export const AUDIENCE_ENTERED = 'Audience Entered';
export const AUDIENCE_EXITED = 'Audience Exited';

/** A chain deeper than this is stopped even without a repeated trigger. */
export const MAX_CHAIN_DEPTH = 10;

export interface SendStep {
  campaignId: string;
  messageId?: string;
  override?: ContentOverride;
  ttl?: number;
  urgency?: 'very-low' | 'low' | 'normal' | 'high';
  ignoreCapping?: boolean;
}

export type Step =
  | { wait: string }
  | { unless: { event: string; where?: Record<string, unknown> } }
  | { send: SendStep }
  | { addTo: string }
  | { removeFrom: string };

export interface TriggerDefinition {
  on: { event: string; where?: Record<string, unknown> };
  steps: Step[];
}

/** Parsed `where` of the trigger and of its unless steps; throws InvalidRuleError. */
export function checkDefinition(def: TriggerDefinition): { where?: ParsedWhere } {
  def.steps.forEach((step, i) => {
    if ('wait' in step) {
      try {
        parseDuration(step.wait);
      } catch (error) {
        throw new InvalidRuleError((error as Error).message, `steps.${i}.wait`);
      }
    }
    if ('unless' in step && step.unless.where)
      parseWhere(step.unless.where, `steps.${i}.unless.where`);
  });
  return def.on.where ? { where: parseWhere(def.on.where, 'on.where') } : {};
}

/** Which audience events a trigger's steps emit: `entered:aud_x`, `exited:aud_y`. */
function emits(def: TriggerDefinition): string[] {
  return def.steps.flatMap((s) =>
    'addTo' in s ? [`entered:${s.addTo}`] : 'removeFrom' in s ? [`exited:${s.removeFrom}`] : [],
  );
}

/** Which audience events a trigger listens to (a missing audienceId listens to all). */
function listensTo(def: TriggerDefinition, signal: string): boolean {
  const [kind, audienceId] = signal.split(':') as [string, string];
  const event = kind === 'entered' ? AUDIENCE_ENTERED : AUDIENCE_EXITED;
  if (def.on.event !== event) return false;
  const wanted = def.on.where?.audienceId;
  if (wanted === undefined) return true;
  if (typeof wanted === 'string') return wanted === audienceId;
  if (Array.isArray(wanted)) return wanted.includes(audienceId);
  return true; // an operator test: assume it may match, to err on the side of refusing loops
}

/**
 * Finds a loop among triggers that feed each other through audience moves
 * (A adds to X → B watches X entered and adds to Y → A watches Y entered …). Returns the
 * ids on the loop, or null.
 */
export function findLoop(
  triggers: ReadonlyArray<{ id: string; def: TriggerDefinition }>,
): string[] | null {
  const next = new Map(
    triggers.map((t) => [
      t.id,
      triggers
        .filter((u) => emits(t.def).some((signal) => listensTo(u.def, signal)))
        .map((u) => u.id),
    ]),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  function visit(id: string): string[] | null {
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    if (state.get(id) === 'done') return null;
    state.set(id, 'visiting');
    path.push(id);
    for (const to of next.get(id) ?? []) {
      const loop = visit(to);
      if (loop) return loop;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  }
  for (const t of triggers) {
    const loop = visit(t.id);
    if (loop) return loop;
  }
  return null;
}

/** Re-entry: may this user start the trigger again, given when it last started? */
export function mayReenter(
  reentry: { once?: boolean; afterDays?: number } | null,
  lastStartedAt: number | null,
  now: number,
): boolean {
  if (lastStartedAt === null || !reentry) return true;
  if (reentry.once) return false;
  if (reentry.afterDays !== undefined) return now - lastStartedAt >= reentry.afterDays * 86_400_000;
  return true;
}

/** A run whose steps throw this many claims in a row ends `failed` instead of retrying. */
export const MAX_RUN_ATTEMPTS = 5;
const RUN_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 10 * 60_000 };

/**
 * When a failed run tries again (exponential backoff), or null when it has had its
 * attempts and ends `failed`.
 *
 * @example runRetryAt(1, now) // now + 1 s; runRetryAt(MAX_RUN_ATTEMPTS, now) // null
 */
export function runRetryAt(attempts: number, now: number): number | null {
  if (attempts >= MAX_RUN_ATTEMPTS) return null;
  return now + backoffDelay(attempts, RUN_RETRY);
}
