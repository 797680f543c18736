import path from 'node:path';
import { loadPolicies, nonReturnableBy, parsePolicies, policyInForce } from './policy';

const doc = (text: string) => parsePolicies({ 'test.yaml': text });

describe('return policies', () => {
  const policies = parsePolicies({
    'a.yaml': `
policyId: acme-default
appliesTo: { brands: [acme] }
versions:
  - { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', windowDays: 30 }
  - { version: 2, effectiveFrom: '2026-06-01T00:00:00Z', windowDays: 14, nonReturnable: { skus: [GIFT-1], categories: { hygiene: [HYG-] } } }
`,
    'b.yaml': `
policyId: acme-web
appliesTo: { brands: [acme], channels: [web-us] }
versions:
  - { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', windowDays: 60 }
`,
  });

  it('the most specific policy matches, in the version in force when the return was requested', () => {
    expect(policyInForce(policies, { brand: 'acme', channelId: 'web-us', channelKind: 'WEB' }, new Date('2026-07-01'))).toMatchObject({ policyId: 'acme-web', version: { version: 1 } });
    expect(policyInForce(policies, { brand: 'acme', channelId: 'store-1', channelKind: 'STORE' }, new Date('2026-03-01'))).toMatchObject({ policyId: 'acme-default', version: { version: 1, windowDays: 30 } });
    expect(policyInForce(policies, { brand: 'acme', channelId: 'store-1', channelKind: 'STORE' }, new Date('2026-07-01'))).toMatchObject({ version: { version: 2, windowDays: 14 } });
    expect(policyInForce(policies, { brand: 'other', channelId: 'web-us', channelKind: 'WEB' }, new Date('2026-07-01'))).toBeUndefined();
  });

  it('non-returnable by SKU or by category (SKU prefix)', () => {
    const version = policies[0].versions[1];
    expect(nonReturnableBy(version, 'GIFT-1')).toBe('sku');
    expect(nonReturnableBy(version, 'HYG-22')).toBe('hygiene');
    expect(nonReturnableBy(version, 'APP-1')).toBeUndefined();
  });

  it('a bad document stops start-up naming the file and the field', () => {
    expect(() => doc('policyId: x\nversions:\n  - { version: 1, effectiveFrom: yesterday, windowDays: 30 }')).toThrow(/test.yaml: versions.0.effectiveFrom must be an ISO 8601/);
    expect(() => doc('policyId: x\nversions:\n  - { version: 2, effectiveFrom: "2026-01-01T00:00:00Z", windowDays: 30 }\n  - { version: 1, effectiveFrom: "2026-02-01T00:00:00Z", windowDays: 30 }')).toThrow(/versions must go up/);
    expect(() => doc('policyId: x\nversions:\n  - { version: 1, effectiveFrom: "2026-01-01T00:00:00Z", windowDays: 30, refundOn: on-request }')).toThrow(/refundOn/);
  });

  it('the shipped policies load', () => {
    expect(loadPolicies(path.join(__dirname, '..', '..', 'policies')).length).toBeGreaterThan(0);
  });
});
