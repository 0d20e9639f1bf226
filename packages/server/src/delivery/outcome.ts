import {
  classifyPushAnswer,
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
    case 'expired':
      return { kind: 'expired', requested: requestedBefore };
    case 'unencryptable':
      // A p256dh off the curve: sending the same message again cannot succeed.
      return {
        kind: 'failed',
        reason: `cannot encrypt for this subscription: ${sent.reason}`,
        requested: requestedBefore,
      };
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
