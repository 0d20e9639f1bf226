import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.ts';

describe('limiter', () => {
  it('lets a waiter that asks to go ahead pass the ones queued before it', async () => {
    const limiter = createLimiter(1);
    await limiter.acquire();
    const order: string[] = [];
    const queued = [1, 2, 3].map((n) => limiter.acquire().then(() => order.push(`bulk ${n}`)));
    const express = limiter.acquire(true).then(() => order.push('express'));
    for (let i = 0; i < 4; i++) {
      limiter.release();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([...queued, express]);
    expect(order).toEqual(['express', 'bulk 1', 'bulk 2', 'bulk 3']);
    expect(limiter.held).toBe(1);
  });
});
