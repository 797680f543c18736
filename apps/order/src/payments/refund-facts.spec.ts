import { meaningOf } from '../webhooks/gateway-events';
import { refundedPaymentStatus, refusalKind } from './refund-facts';

const orderId = '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0a01';
const paymentId = '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0a02';
const refund = (status: string, metadata: Record<string, string> = { order_id: orderId, payment_id: paymentId, refund_id: 'refund-1', reason: 'return received', return_id: 'return-1' }) => ({
  id: 'evt_1',
  type: 'refund.created',
  created: 1_790_000_000,
  data: { object: { id: 're_sim_1', object: 'refund', status, amount: 1250, currency: 'usd', payment_intent: 'pi_sim_1', metadata } },
});

describe('refund facts', () => {
  it("reads a refund webhook as the refund of our ids (the connector's metadata), issued or failed; pending says nothing yet", () => {
    expect(meaningOf('retail-sim', refund('succeeded'), new Date())).toEqual({
      kind: 'refund',
      fact: { refundId: 'refund-1', orderId, paymentId, returnId: 'return-1', gateway: 'retail-sim', gatewayReference: 're_sim_1', outcome: 'issued', amount: { amountMinor: 1250, currency: 'USD' }, reason: 'return received', at: new Date(1_790_000_000_000) },
    });
    expect(meaningOf('retail-sim', refund('failed'), new Date())).toMatchObject({ kind: 'refund', fact: { outcome: 'failed', reason: 'the gateway failed refund re_sim_1' } });
    expect(meaningOf('retail-sim', refund('pending'), new Date())).toMatchObject({ kind: 'ignored' });
    expect(meaningOf('retail-sim', refund('succeeded', { order_id: orderId }), new Date())).toMatchObject({ kind: 'unmatched', orderId });
  });

  it('a refund of everything captured makes the payment refunded, of less partially refunded', () => {
    expect(refundedPaymentStatus(7493, 0)).toBeNull();
    expect(refundedPaymentStatus(7493, 803)).toBe('partially_refunded');
    expect(refundedPaymentStatus(7493, 7493)).toBe('refunded');
  });

  it("kinds a refusal by the gateway's code", () => {
    expect(refusalKind('charge_already_refunded')).toBe('over_refundable');
    expect(refusalKind('payment_intent_unexpected_state')).toBe('nothing_captured');
    expect(refusalKind('resource_missing')).toBe('unknown_payment');
    expect(refusalKind(null)).toBe('other');
  });
});
