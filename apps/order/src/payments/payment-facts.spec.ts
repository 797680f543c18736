import { nextPaymentStatus } from './payment-facts';

describe('payment statuses move forward only', () => {
  it('applies a first status, then a capture or a void of an authorisation', () => {
    expect(nextPaymentStatus(null, 'authorised')).toBe('applied');
    expect(nextPaymentStatus('authorised', 'captured')).toBe('applied');
    expect(nextPaymentStatus('authorised', 'voided')).toBe('applied');
  });

  it('recognises the same fact twice (the API answer and the webhook) and a fact behind the current one', () => {
    expect(nextPaymentStatus('authorised', 'authorised')).toBe('duplicate');
    expect(nextPaymentStatus('voided', 'authorised')).toBe('stale');
    expect(nextPaymentStatus('captured', 'authorised')).toBe('stale');
    expect(nextPaymentStatus('declined', 'authorised')).toBe('stale');
    expect(nextPaymentStatus('captured', 'voided')).toBe('stale');
  });
});
