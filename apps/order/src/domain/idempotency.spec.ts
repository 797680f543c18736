import { webOrderRequest } from '../../test/orders';
import { decideRetry, requestFingerprint } from './idempotency';
import { placeOrderRequestSchema } from './place-order-request';

const fingerprintOf = (body: unknown) => requestFingerprint(placeOrderRequestSchema.parse(body));

describe('Idempotency-Key', () => {
  it('treats the same order written differently as the same request', () => {
    const body = webOrderRequest({ channelOrderRef: 'WEB-1' });
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const rewritten = { ...body, lines: body.lines.map((line: any) => ({ ...line, quantity: `${line.quantity}.000` })) };
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(body));
    expect(fingerprintOf(rewritten)).toBe(fingerprintOf(body));
    expect(fingerprintOf({ ...body, notes: 'leave at the door' })).not.toBe(fingerprintOf(body));
  });

  it('replays for the same body and refuses another body under the same key', () => {
    const stored = { fingerprint: 'a'.repeat(64), orderId: 'order-1' };
    expect(decideRetry('k1', stored, 'a'.repeat(64))).toEqual({ outcome: 'replay' });
    expect(decideRetry('k1', stored, 'b'.repeat(64))).toEqual({
      outcome: 'conflict',
      message: 'Idempotency-Key "k1" was already used for order order-1 with a different request body; use a new key for a new order',
    });
  });
});
