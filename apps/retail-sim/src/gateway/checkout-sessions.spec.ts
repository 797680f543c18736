import { CheckoutSession, CheckoutSessions } from './checkout-sessions';
import { PaymentGateway } from './payment-gateway';

const START = Date.parse('2026-03-11T09:41:13Z');
const setup = () => {
  const clock = { now: START };
  const gateway = new PaymentGateway({ declineRate: 0 });
  const sessions = new CheckoutSessions(gateway, () => 'http://sim', () => new Date(clock.now));
  const open = (body: Record<string, unknown> = {}) => sessions.create({ amount: 4200, currency: 'EUR', metadata: { order_id: 'o-1' }, payment_intent_data: { capture_method: 'manual' }, ...body }).body as CheckoutSession;
  return { clock, gateway, sessions, open };
};

describe('pay-by-link checkout sessions', () => {
  it('opens a session with its pay link, expiring in 24 hours unless told', () => {
    const { open } = setup();
    const session = open();
    expect(session).toEqual({
      id: expect.stringMatching(/^cs_[0-9a-f]+$/),
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      url: `http://sim/pay/${session.id}`,
      amount_total: 4200,
      currency: 'eur',
      metadata: { order_id: 'o-1' },
      payment_intent: null,
      expires_at: START / 1000 + 86_400,
      created: START / 1000,
    });
    expect(open({ expires_at: START / 1000 + 60 }).expires_at).toBe(START / 1000 + 60);
  });

  it('refuses a bad amount, a past expiry or another capture method, naming the parameter', () => {
    const { sessions } = setup();
    expect(sessions.create({ amount: 0, currency: 'eur' })).toMatchObject({ status: 400, body: { error: { param: 'amount' } } });
    expect(sessions.create({ amount: 1, currency: 'eur', expires_at: START / 1000 - 1 })).toMatchObject({ status: 400, body: { error: { param: 'expires_at' } } });
    expect(sessions.create({ amount: 1, currency: 'eur', payment_intent_data: { capture_method: 'automatic' } })).toMatchObject({ status: 400, body: { error: { param: 'payment_intent_data[capture_method]' } } });
  });

  it('paid: an authorisation for manual capture with the session metadata, the session complete, and both webhooks', () => {
    const { sessions, open, gateway } = setup();
    const session = open();
    const { answer, events } = sessions.pay(session.id, {});
    expect(answer).toMatchObject({ status: 200, body: { status: 'complete', payment_intent: expect.stringMatching(/^pi_/) } });
    const intentId = (answer.body as CheckoutSession).payment_intent!;
    expect(gateway.retrieve(intentId).body).toMatchObject({ status: 'requires_capture', amount: 4200, amount_capturable: 4200, currency: 'eur', metadata: { order_id: 'o-1' } });
    expect(events.map((event) => event.type)).toEqual(['payment_intent.amount_capturable_updated', 'checkout.session.completed']);
    expect(events[1].object).toMatchObject({ id: session.id, status: 'complete', payment_intent: intentId });
    expect(sessions.pay(session.id, {}).answer).toMatchObject({ status: 400, body: { error: { code: 'checkout_session_complete' } } });
    expect(sessions.expire(session.id).answer).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('"complete"') } } });
  });

  it('declined: the session stays open for another try, and payment_intent.payment_failed carries the metadata', () => {
    const { sessions, open } = setup();
    const session = open();
    const declined = sessions.pay(session.id, { payment_method: 'pm_card_declined' });
    expect(declined.answer).toMatchObject({ status: 402, body: { error: { type: 'card_error', decline_code: 'card_declined' } } });
    expect(declined.events).toEqual([{ type: 'payment_intent.payment_failed', object: expect.objectContaining({ metadata: { order_id: 'o-1' }, last_payment_error: expect.objectContaining({ decline_code: 'card_declined' }) }) }]);
    expect(sessions.retrieve(session.id).answer.body).toMatchObject({ status: 'open', payment_intent: null });
    expect(sessions.pay(session.id, { payment_method: 'pm_card_visa' }).answer).toMatchObject({ status: 200, body: { status: 'complete' } });
  });

  it('expires by hand, or past expires_at on the next look, once, and then refuses payment with 410', () => {
    const { sessions, open, clock } = setup();
    const byHand = open();
    expect(sessions.expire(byHand.id)).toEqual({ answer: { status: 200, body: expect.objectContaining({ status: 'expired' }) }, events: [{ type: 'checkout.session.expired', object: expect.objectContaining({ id: byHand.id, status: 'expired' }) }] });
    expect(sessions.expire(byHand.id).answer).toMatchObject({ status: 400 });

    const late = open({ expires_at: START / 1000 + 60 });
    clock.now += 60_000;
    expect(sessions.retrieve(late.id)).toMatchObject({ answer: { status: 200, body: { status: 'expired' } }, events: [{ type: 'checkout.session.expired' }] });
    expect(sessions.retrieve(late.id).events).toEqual([]);
    expect(sessions.pay(late.id, {})).toEqual({ answer: { status: 410, body: { error: expect.objectContaining({ code: 'checkout_session_expired' }) } }, events: [] });
    const paidLate = open({ expires_at: START / 1000 + 120 });
    clock.now += 60_000;
    expect(sessions.pay(paidLate.id, {})).toMatchObject({ answer: { status: 410 }, events: [{ type: 'checkout.session.expired' }] });
    expect(sessions.retrieve('cs_nope').answer).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
  });
});
