import { webOrderRequest } from '../../test/orders';
import { canonicalJson, checkIdempotencyKey, decideRetry, requestFingerprint } from './idempotency';
import { placeOrderRequestSchema } from './place-order-request';

const fingerprintOf = (body: unknown) => requestFingerprint(placeOrderRequestSchema.parse(body));

describe('Idempotency-Key', () => {
  it('is required, single, and 1-255 visible ASCII characters', () => {
    expect(checkIdempotencyKey('4f1c2a9e-0b7d-4c55-9a77-1d2e3f4a5b6c')).toEqual({ ok: true, key: '4f1c2a9e-0b7d-4c55-9a77-1d2e3f4a5b6c' });
    expect(checkIdempotencyKey(undefined)).toMatchObject({ ok: false, message: expect.stringContaining('is required') });
    expect(checkIdempotencyKey('  ')).toMatchObject({ ok: false });
    expect(checkIdempotencyKey('has space')).toMatchObject({ ok: false, message: expect.stringContaining('visible ASCII') });
    expect(checkIdempotencyKey('x'.repeat(256))).toMatchObject({ ok: false });
    expect(checkIdempotencyKey(['a', 'b'])).toMatchObject({ ok: false, message: expect.stringContaining('one Idempotency-Key') });
  });

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

  it('writes canonical JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: null }], c: undefined } })).toBe('{"a":{"d":[2,{"e":null,"f":1}]},"b":1}');
  });
});
