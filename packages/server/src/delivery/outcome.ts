import {
  backoffDelay,
  classifyPushAnswer,
  DEFAULT_RETRY_POLICY,
  retryAfterNetworkError,
  type PushOutcome,
  type RetryPolicy,
} from '../domain/push-response.ts';
import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { SendResult } from './push-sender.ts';

/**
 * What a send means for the delivery's record; `undefined` when there is nothing to record
 * (its lease ran out before the request left, so the row is left for the next claim).
 *
 * @example const result = deliveryResult(sent, delivery, { now: Date.now() });
 */
export function deliveryResult(
  sent: SendResult,
  delivery: Pick<DeliveryRow, 'attempts' | 'expires_at' | 'sent_at'>,
  ctx: { now: number; policy?: RetryPolicy | undefined },
): DeliveryResult | undefined {
  const requestedBefore = delivery.sent_at !== null;
  const attemptCtx = { now: ctx.now, attempts: delivery.attempts, policy: ctx.policy };
  let outcome: PushOutcome;
  switch (sent.kind) {
    case 'late':
      return undefined;
    case 'released':
      return { kind: 'released' };
    case 'expired':
      return { kind: 'expired', requested: requestedBefore };
    case 'withdrawn':
      return { kind: 'cancelled', requested: requestedBefore };
    case 'unencryptable':
      // A p256dh off the curve: sending the same message again cannot succeed.
      return {
        kind: 'failed',
        reason: `cannot encrypt for this subscription: ${sent.reason}`,
        requested: requestedBefore,
      };
    case 'crashed':
      return afterCrash(sent.error, delivery, ctx);
    case 'unreachable':
      outcome = retryAfterNetworkError(sent.error, attemptCtx);
      break;
    case 'answered':
      outcome = classifyPushAnswer(sent.answer, attemptCtx);
      break;
  }
  switch (outcome.kind) {
    case 'delivered':
      return { kind: 'delivered', requested: true };
    case 'gone':
      return {
        kind: 'failed',
        reason: 'subscription gone (404/410)',
        requested: true,
        deleteSubscriber: true,
      };
    case 'failed':
      return { kind: 'failed', reason: outcome.reason, requested: true };
    case 'retry':
      return outcome.at >= delivery.expires_at
        ? { kind: 'expired', requested: true }
        : { kind: 'retry', at: outcome.at, reason: outcome.reason };
  }
}

/** Claims after which a delivery whose own preparation or send keeps throwing is failed. */
export const MAX_CRASH_ATTEMPTS = 5;

/**
 * A delivery whose preparation or send threw (a bug, a corrupt row — not a push-service
 * answer): it alone is retried with backoff, and failed with the error after
 * MAX_CRASH_ATTEMPTS claims, so it never holds back its batch or retries forever.
 *
 * @example afterCrash(new Error('bad row'), delivery, { now }) // { kind: 'retry', … }
 */
export function afterCrash(
  error: unknown,
  delivery: Pick<DeliveryRow, 'attempts' | 'expires_at' | 'sent_at'>,
  ctx: { now: number; policy?: RetryPolicy | undefined },
): DeliveryResult {
  const reason = `error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
  const requested = delivery.sent_at !== null;
  if (delivery.attempts >= MAX_CRASH_ATTEMPTS) return { kind: 'failed', reason, requested };
  const at = ctx.now + backoffDelay(delivery.attempts, ctx.policy ?? DEFAULT_RETRY_POLICY);
  if (at >= delivery.expires_at) return { kind: 'expired', requested };
  return { kind: 'retry', at, reason, requested };
}
