import { describe, expect, it } from 'vitest';
import { deliveryPayload, MAX_PAYLOAD_BYTES } from './payload.ts';

describe('deliveryPayload', () => {
  it('gives the JSON with the delivery id when it fits', () => {
    const result = deliveryPayload({ title: 'Hi', body: 'there' }, 'dlv_1');
    expect(result).toEqual({
      ok: true,
      payload: '{"deliveryId":"dlv_1","title":"Hi","body":"there"}',
    });
  });

  it('refuses a payload over 3,993 bytes, counting UTF-8 bytes, not characters', () => {
    const fits = 'é'.repeat(1900); // 3,800 bytes in UTF-8
    expect(deliveryPayload({ title: 'T', body: fits }, 'dlv_1').ok).toBe(true);
    const over = 'é'.repeat(2000); // 4,000 bytes
    expect(deliveryPayload({ title: 'T', body: over }, 'dlv_1')).toEqual({
      ok: false,
      reason: 'payload too large',
    });
    const exact = 'x'.repeat(MAX_PAYLOAD_BYTES - '{"deliveryId":"d","title":"","body":""}'.length);
    expect(deliveryPayload({ title: '', body: exact }, 'd').ok).toBe(true);
    expect(deliveryPayload({ title: '', body: `${exact}x` }, 'd').ok).toBe(false);
  });
});
