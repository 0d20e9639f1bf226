import { describe, expect, it } from 'vitest';
import { installGlobal, type BeckonGlobal } from './global-queue.ts';

/** The stub a site pastes, verbatim in spirit. */
const pasteStub = (win: { beckon?: BeckonGlobal }) => {
  const stub: BeckonGlobal = function (...args: unknown[]) {
    (stub.q = stub.q || []).push(args);
  };
  win.beckon = win.beckon || stub;
};

describe('installGlobal', () => {
  it('replays the calls queued before load, in order, then replaces the stub', () => {
    const win: { beckon?: BeckonGlobal } = {};
    pasteStub(win);
    win.beckon!('identify', 'u1', { plan: 'pro' });
    win.beckon!('track', 'Viewed', { id: 3 });
    const stub = win.beckon;
    const seen: unknown[][] = [];

    expect(installGlobal(win, (args) => seen.push(args))).toBe(true);

    expect(seen).toEqual([
      ['identify', 'u1', { plan: 'pro' }],
      ['track', 'Viewed', { id: 3 }],
    ]);
    expect(win.beckon).not.toBe(stub);
  });

  it('runs calls made after load at once', () => {
    const win: { beckon?: BeckonGlobal } = {};
    const seen: unknown[][] = [];
    installGlobal(win, (args) => seen.push(args));
    win.beckon!('prompt');
    expect(seen).toEqual([['prompt']]);
  });

  it('replays the arguments objects the classic stub queues', () => {
    const win = { beckon: Object.assign(() => {}, { q: [] as ArrayLike<unknown>[] }) };
    (function (..._: unknown[]) {
      // the pasted stub queues `arguments` objects, not arrays
      win.beckon.q.push(arguments);
    })('consent', true);
    const seen: unknown[][] = [];
    installGlobal(win, (args) => seen.push(args));
    expect(seen).toEqual([['consent', true]]);
  });

  it('leaves a copy that is already loaded alone', () => {
    const win: { beckon?: BeckonGlobal } = {};
    const first: unknown[][] = [];
    const second: unknown[][] = [];
    installGlobal(win, (args) => first.push(args));
    const loaded = win.beckon;

    expect(installGlobal(win, (args) => second.push(args))).toBe(false);
    win.beckon!('page');
    expect(win.beckon).toBe(loaded);
    expect(first).toEqual([['page']]);
    expect(second).toEqual([]);
  });

  it('takes over a global that is not a function, such as an element with id="beckon"', () => {
    const win: { beckon?: unknown } = { beckon: { tagName: 'DIV' } };
    expect(installGlobal(win, () => {})).toBe(true);
    expect(typeof win.beckon).toBe('function');
  });
});
