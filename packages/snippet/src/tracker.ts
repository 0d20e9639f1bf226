import type { PixelEvent } from '../../server/src/wire.ts';

/** An event as a command builds it; the tracker stamps the rest. */
export type TrackInput = Omit<PixelEvent, 'timestamp' | 'messageId' | 'anonymousId'>;

export interface TrackerDeps {
  /** Sends one batch (a JSON array on the wire). `beacon`: the page is going away. */
  send(events: PixelEvent[], beacon: boolean): void;
  /** Read only when a batch is sent, so nothing is stored before consent is given. */
  anonymousId(): string;
  uuid(): string;
  now(): Date;
  /** `data-consent="required"`: hold events until `consent(true)`. */
  gated: boolean;
  /** How long the first event of a batch waits for company, in ms. */
  wait?: number;
  /** Events per request. */
  max?: number;
}

/**
 * The retargeting pixel: batches events for `wait` ms or `max` events, and gates them on
 * consent. Held events live in memory only; `consent(false)` drops them and everything after.
 *
 * @example
 * const tracker = createTracker({ send, anonymousId, uuid, now: () => new Date(), gated: false });
 * tracker.add({ type: 'track', event: 'Signed Up' });
 * addEventListener('pagehide', () => tracker.flush(true));
 */
export function createTracker(deps: TrackerDeps) {
  const { wait = 300, max = 10 } = deps;
  let consent: boolean | undefined = deps.gated ? undefined : true;
  let batch: PixelEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (beacon = false) => {
    clearTimeout(timer);
    timer = undefined;
    if (!consent || !batch.length) return;
    const anonymousId = deps.anonymousId();
    // A long-held batch goes out in chunks: keepalive and beacon bodies are capped at 64 KB.
    while (batch.length)
      deps.send(
        batch.splice(0, max).map((e) => ({ ...e, anonymousId })),
        beacon,
      );
  };

  return {
    add(input: TrackInput) {
      if (consent == false) return;
      batch.push({ ...input, timestamp: deps.now().toISOString(), messageId: deps.uuid() });
      if (!consent) return;
      if (batch.length >= max) flush();
      else timer ||= setTimeout(flush, wait);
    },
    consent(given: boolean) {
      consent = given;
      if (given) flush();
      else batch = [];
    },
    flush,
    /**
     * On logout: what is batched belongs to the user leaving. Send it now, while the
     * anonymous id is still theirs (a batch sent later would carry the next visitor's id and
     * link it to that user); what consent still holds is dropped, never sent under the new id.
     */
    forget() {
      flush();
      batch = [];
    },
  };
}
