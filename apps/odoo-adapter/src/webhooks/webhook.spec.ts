import { hintedChangeTime, odooWebhookPayload } from './webhook-payload';
import { givenSecret, webhookSecretMatches } from './webhook-secret';

describe('webhook secret', () => {
  const secret = 'a-long-shared-secret-1234';

  it('accepts the secret from the URL, a header or a bearer token', () => {
    expect(givenSecret({ secret }, {})).toBe(secret);
    expect(givenSecret({}, { 'x-odoo-webhook-secret': secret })).toBe(secret);
    expect(givenSecret({}, { authorization: `Bearer ${secret}` })).toBe(secret);
    expect(givenSecret({}, {})).toBeUndefined();
  });

  it('compares whole secrets of any length', () => {
    expect(webhookSecretMatches(secret, secret)).toBe(true);
    expect(webhookSecretMatches(secret, `${secret}x`)).toBe(false);
    expect(webhookSecretMatches(secret, secret.slice(0, -1))).toBe(false);
    expect(webhookSecretMatches(secret, '')).toBe(false);
    expect(webhookSecretMatches(secret, undefined)).toBe(false);
  });
});

describe('webhook payload', () => {
  it("reads Odoo's payload with microsecond write_date", () => {
    const payload = odooWebhookPayload.parse({ _action: 'Notify(#4)', _id: 17, _model: 'stock.quant', quantity: 3, write_date: '2024-05-01 10:00:00.123456' });
    expect(payload._id).toBe(17);
    expect(hintedChangeTime(payload)).toEqual(new Date('2024-05-01T10:00:00.123Z'));
  });

  it('refuses a body without a record id', () => {
    expect(odooWebhookPayload.safeParse({ _model: 'stock.quant' }).success).toBe(false);
  });
});
