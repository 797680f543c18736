import { canonicalJson, checkIdempotencyKey, requestFingerprint } from './idempotency-key';

describe('Idempotency-Key', () => {
  it('is required, single, and 1-255 visible ASCII characters', () => {
    expect(checkIdempotencyKey('4f1c2a9e-0b7d-4c55-9a77-1d2e3f4a5b6c')).toEqual({ ok: true, key: '4f1c2a9e-0b7d-4c55-9a77-1d2e3f4a5b6c' });
    expect(checkIdempotencyKey(undefined)).toMatchObject({ ok: false, message: expect.stringContaining('is required') });
    expect(checkIdempotencyKey('  ')).toMatchObject({ ok: false });
    expect(checkIdempotencyKey('has space')).toMatchObject({ ok: false, message: expect.stringContaining('visible ASCII') });
    expect(checkIdempotencyKey('x'.repeat(256))).toMatchObject({ ok: false });
    expect(checkIdempotencyKey(['a', 'b'])).toMatchObject({ ok: false, message: expect.stringContaining('one Idempotency-Key') });
  });

  it('fingerprints a body by its content, not the order of its keys', () => {
    expect(requestFingerprint({ a: 1, b: { c: [1, 2] } })).toBe(requestFingerprint({ b: { c: [1, 2] }, a: 1 }));
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
  });

  it('writes canonical JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: null }], c: undefined } })).toBe('{"a":{"d":[2,{"e":null,"f":1}]},"b":1}');
  });
});
