import { PaymentGateway } from './payment-gateway';

const gateway = (declineRate = 0) => new PaymentGateway({ declineRate }, () => new Date('2026-03-11T09:41:13Z'));
const authorise = (g: PaymentGateway, key: string, body: Record<string, unknown> = { amount: 10494, currency: 'USD', metadata: { order_id: 'o-1' } }) =>
  g.write(key, { method: 'POST', path: '/v1/payment_intents', body }, () => g.authorise(key, body));

describe('the simulated payment gateway', () => {
  it('authorises for manual capture, and answers a retry under the same key with the first answer, creating nothing', () => {
    const g = gateway();
    const first = authorise(g, 'k1');
    expect(first).toMatchObject({ status: 200, body: { id: 'pi_sim_00000001', status: 'requires_capture', amount: 10494, amount_capturable: 10494, currency: 'usd', metadata: { order_id: 'o-1' } } });
    expect(authorise(g, 'k1')).toEqual({ ...first, replayed: true });
    expect(g.search('o-1').body).toMatchObject({ data: [{ id: 'pi_sim_00000001' }] });
  });

  it('refuses a key reused with another request, and a write without a key', () => {
    const g = gateway();
    authorise(g, 'k1');
    expect(authorise(g, 'k1', { amount: 1, currency: 'USD' })).toMatchObject({ status: 400, body: { error: { type: 'idempotency_error' } } });
    expect(g.write(undefined, { method: 'POST', path: '/v1/payment_intents', body: {} }, () => ({ status: 200, body: {} }))).toMatchObject({ status: 400 });
  });

  it('declines test cards, and at its decline rate decides by the key, so a retry gets the same fate', () => {
    expect(authorise(gateway(), 'k1', { amount: 100, currency: 'USD', payment_method: 'pm_card_declined' })).toMatchObject({
      status: 402,
      body: { error: { type: 'card_error', code: 'card_declined', decline_code: 'card_declined' } },
    });
    const always = gateway(1);
    expect(authorise(always, 'k2')).toMatchObject({ status: 402, body: { error: { decline_code: 'generic_decline' } } });
    expect(authorise(always, 'k2')).toMatchObject({ status: 402, replayed: true });
    const g = gateway(0.5);
    const fates = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((key) => authorise(g, key).status);
    expect(new Set(fates)).toEqual(new Set([200, 402]));
  });

  it('captures once up to the authorised amount, voids only what is not captured, refunds up to what was captured', () => {
    const g = gateway();
    const id = (authorise(g, 'k1').body as { id: string }).id;
    expect(g.capture(id, { amount_to_capture: 20000 })).toMatchObject({ status: 400, body: { error: { param: 'amount_to_capture' } } });
    expect(g.capture(id, { amount_to_capture: 8000 })).toMatchObject({ status: 200, body: { status: 'succeeded', amount_received: 8000, amount_capturable: 0 } });
    expect(g.capture(id, {})).toMatchObject({ status: 400, body: { error: { code: 'payment_intent_unexpected_state' } } });
    expect(g.cancel(id)).toMatchObject({ status: 400, body: { error: { code: 'payment_intent_unexpected_state' } } });
    expect(g.refund({ payment_intent: id, amount: 5000 })).toMatchObject({ status: 200, body: { object: 'refund', amount: 5000 } });
    expect(g.refund({ payment_intent: id, amount: 5000 })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('between 1 and 3000') } } });

    const other = (authorise(g, 'k2').body as { id: string }).id;
    expect(g.cancel(other)).toMatchObject({ status: 200, body: { status: 'canceled', amount_capturable: 0 } });
    expect(g.refund({ payment_intent: other })).toMatchObject({ status: 400 });
    expect(g.retrieve('pi_nope')).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
  });

  it('refuses a bad amount or currency, naming the parameter', () => {
    expect(authorise(gateway(), 'k1', { amount: 12.5, currency: 'USD' })).toMatchObject({ status: 400, body: { error: { param: 'amount' } } });
    expect(authorise(gateway(), 'k1', { amount: 100, currency: 'dollars' })).toMatchObject({ status: 400, body: { error: { param: 'currency' } } });
  });
});
