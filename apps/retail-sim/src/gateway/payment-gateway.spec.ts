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

  it('captures in parts (multicapture): a non-final capture leaves the rest capturable, a final one ends it and releases the rest', () => {
    const g = gateway();
    const id = (authorise(g, 'k1').body as { id: string }).id;
    const first = g.capture(id, { amount_to_capture: 4000, final_capture: false });
    expect(first).toMatchObject({ status: 200, body: { status: 'requires_capture', amount_capturable: 6494, amount_received: 4000, latest_capture: { id: expect.stringMatching(/^cap_[0-9a-f]+$/), amount: 4000, final: false } } });
    const second = g.capture(id, { amount_to_capture: 3000, final_capture: false });
    expect(second.body).toMatchObject({ status: 'requires_capture', amount_capturable: 3494, amount_received: 7000, latest_capture: { amount: 3000, final: false } });
    expect((second.body as any).latest_capture.id).not.toBe((first.body as any).latest_capture.id);
    expect(g.capture(id, { amount_to_capture: 3495 })).toMatchObject({ status: 400, body: { error: { param: 'amount_to_capture', message: expect.stringContaining('between 1 and 3494') } } });
    expect(g.capture(id, { amount_to_capture: 1000, final_capture: 'yes' })).toMatchObject({ status: 400, body: { error: { param: 'final_capture' } } });
    // A partly captured intent can be refunded what it received so far.
    expect(g.refund({ payment_intent: id, amount: 7000 })).toMatchObject({ status: 200, body: { amount: 7000 } });
    expect(g.capture(id, { amount_to_capture: 1000 })).toMatchObject({ status: 200, body: { status: 'succeeded', amount_capturable: 0, amount_received: 8000, amount_refunded: 7000, latest_capture: { amount: 1000, final: true } } });
    expect(g.capture(id, { amount_to_capture: 1 })).toMatchObject({ status: 400, body: { error: { code: 'payment_intent_unexpected_state' } } });
    expect(g.refund({ payment_intent: id })).toMatchObject({ status: 200, body: { amount: 1000 } });
  });

  it('cancels a partly captured intent as Stripe does: it ends succeeded with what was captured, the rest released', () => {
    const g = gateway();
    const id = (authorise(g, 'k1').body as { id: string }).id;
    g.capture(id, { amount_to_capture: 4000, final_capture: false });
    expect(g.cancel(id)).toMatchObject({ status: 200, body: { status: 'succeeded', amount_received: 4000, amount_capturable: 0 } });
    expect(g.retrieve(id).body).toMatchObject({ latest_capture: { amount: 4000, final: false } });
  });

  it('answers a capture replayed under its key with the first answer, capturing nothing more', () => {
    const g = gateway();
    const id = (authorise(g, 'k1').body as { id: string }).id;
    const capture = (key: string) => g.write(key, { method: 'POST', path: `/v1/payment_intents/${id}/capture`, body: { amount_to_capture: 1000, final_capture: false } }, () => g.capture(id, { amount_to_capture: 1000, final_capture: false }));
    const first = capture('c1');
    expect(capture('c1')).toEqual({ ...first, replayed: true });
    expect(capture('c2').body).toMatchObject({ amount_received: 2000 });
    expect(g.retrieve(id).body).toMatchObject({ amount_received: 2000, amount_capturable: 8494 });
  });

  it('refuses a bad amount or currency, naming the parameter', () => {
    expect(authorise(gateway(), 'k1', { amount: 12.5, currency: 'USD' })).toMatchObject({ status: 400, body: { error: { param: 'amount' } } });
    expect(authorise(gateway(), 'k1', { amount: 100, currency: 'dollars' })).toMatchObject({ status: 400, body: { error: { param: 'currency' } } });
  });
});
