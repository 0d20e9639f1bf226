import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PixelEvent } from '../../server/src/wire.ts';
import { createTracker, type TrackerDeps } from './tracker.ts';

const setup = (over: Partial<TrackerDeps> = {}) => {
  const sent: { events: PixelEvent[]; beacon: boolean }[] = [];
  let n = 0;
  const anonymousId = vi.fn(() => 'anon-1');
  const tracker = createTracker({
    send: (events, beacon) => sent.push({ events, beacon }),
    anonymousId,
    uuid: () => `msg-${++n}`,
    now: () => new Date(Date.UTC(2025, 4, 14, 7, 30)),
    gated: false,
    ...over,
  });
  return { tracker, sent, anonymousId };
};

describe('createTracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the events of one burst as one batch after the wait', () => {
    const { tracker, sent } = setup();
    tracker.add({ type: 'page' });
    tracker.add({ type: 'track', event: 'Added', properties: { sku: 'a' } });
    expect(sent).toEqual([]);

    vi.advanceTimersByTime(300);

    expect(sent).toEqual([
      {
        beacon: false,
        events: [
          {
            type: 'page',
            anonymousId: 'anon-1',
            timestamp: '2025-05-14T07:30:00.000Z',
            messageId: 'msg-1',
          },
          {
            type: 'track',
            event: 'Added',
            properties: { sku: 'a' },
            anonymousId: 'anon-1',
            timestamp: '2025-05-14T07:30:00.000Z',
            messageId: 'msg-2',
          },
        ],
      },
    ]);
  });

  it('sends at once when a batch is full', () => {
    const { tracker, sent } = setup({ max: 3 });
    for (let i = 0; i < 4; i++) tracker.add({ type: 'track', event: `e${i}` });
    expect(sent.map((s) => s.events.map((e) => e.event))).toEqual([['e0', 'e1', 'e2']]);
    vi.advanceTimersByTime(300);
    expect(sent.map((s) => s.events.map((e) => e.event))).toEqual([['e0', 'e1', 'e2'], ['e3']]);
  });

  it('flushes by beacon when the page goes away, and not again later', () => {
    const { tracker, sent } = setup();
    tracker.add({ type: 'page' });
    tracker.flush(true);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.beacon).toBe(true);
  });

  it('holds events until consent is given, without reading the anonymous id', () => {
    const { tracker, sent, anonymousId } = setup({ gated: true });
    tracker.add({ type: 'page' });
    tracker.add({ type: 'identify', externalId: 'u1' });
    vi.advanceTimersByTime(5000);
    tracker.flush(true);
    expect(sent).toEqual([]);
    expect(anonymousId).not.toHaveBeenCalled();

    tracker.consent(true);

    expect(sent).toHaveLength(1);
    expect(sent[0]!.events.map((e) => e.type)).toEqual(['page', 'identify']);
    // stamped when they happened, not when consent came
    expect(sent[0]!.events.map((e) => e.messageId)).toEqual(['msg-1', 'msg-2']);
  });

  it('sends a long-held queue in chunks of max', () => {
    const { tracker, sent } = setup({ gated: true, max: 2 });
    for (let i = 0; i < 5; i++) tracker.add({ type: 'track', event: `e${i}` });
    tracker.consent(true);
    expect(sent.map((s) => s.events.length)).toEqual([2, 2, 1]);
  });

  it('drops the held events and everything after when consent is refused', () => {
    const { tracker, sent } = setup({ gated: true });
    tracker.add({ type: 'page' });
    tracker.consent(false);
    tracker.add({ type: 'track', event: 'Later' });
    vi.advanceTimersByTime(1000);
    tracker.flush(true);
    expect(sent).toEqual([]);

    tracker.consent(true);
    expect(sent).toEqual([]);
    tracker.add({ type: 'track', event: 'After consent' });
    vi.advanceTimersByTime(300);
    expect(sent.map((s) => s.events.map((e) => e.event))).toEqual([['After consent']]);
  });

  it('stops tracking when consent is withdrawn on an ungated site', () => {
    const { tracker, sent } = setup();
    tracker.add({ type: 'page' });
    tracker.consent(false);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
  });

  it("sends the leaving user's batch under their own anonymous id on forget, before the id changes", () => {
    let id = 'anon-ann';
    const { tracker, sent } = setup({ anonymousId: () => id });
    tracker.add({ type: 'identify', externalId: 'ann' });
    tracker.forget();
    id = 'anon-next';
    vi.advanceTimersByTime(1000);
    expect(sent.map((s) => s.events.map((e) => [e.type, e.anonymousId]))).toEqual([
      [['identify', 'anon-ann']],
    ]);
  });

  it('drops what consent still holds on forget, so it never goes out under the next id', () => {
    const { tracker, sent } = setup({ gated: true });
    tracker.add({ type: 'identify', externalId: 'ann' });
    tracker.forget();
    tracker.consent(true);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([]);
  });
});
