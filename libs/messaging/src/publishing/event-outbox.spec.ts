import { readEnvelope, MalformedEnvelopeError } from '../envelope/envelope';
import { envelopeHeaders } from './event-outbox';

describe('envelope headers of an outgoing event', () => {
  const event = { topic: 'retail.reservations', type: 'com.omnibus.reservation.StockReserved', key: 'order-1', payload: {} };

  it('are CloudEvents binary-mode headers with a UUIDv7 id, and a journey that starts with the event itself', () => {
    const { headers, envelope } = envelopeHeaders(event, 'omnibus/inventory');
    expect(headers).toEqual({
      ce_id: envelope.id,
      ce_type: 'com.omnibus.reservation.StockReserved',
      ce_source: 'omnibus/inventory',
      ce_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      ce_specversion: '1.0',
      ce_subject: 'order-1',
      'content-type': 'application/avro',
      'correlation-id': envelope.id,
    });
    expect(envelope.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(readEnvelope(headers)).toEqual(envelope);
  });

  it('inherit the correlation id of the event that caused them and name it as their cause', () => {
    const cause = { id: '0195a1b2-0000-7000-8000-000000000001', correlationId: 'checkout-42' };
    const { headers } = envelopeHeaders(event, 'omnibus/inventory', { causedBy: cause, correlationId: 'ignored' });
    expect(headers['correlation-id']).toBe('checkout-42');
    expect(headers['causation-id']).toBe(cause.id);
  });

  it('are refused on the way in when they cannot identify the event', () => {
    expect(() => readEnvelope({ ce_type: 'x' })).toThrow(new MalformedEnvelopeError('missing ce_id header'));
    expect(() => readEnvelope({ ce_id: '42', ce_type: 'x' })).toThrow('ce_id "42" is not a UUID');
    expect(() => readEnvelope({ ce_id: '0195a1b2-0000-7000-8000-000000000001' })).toThrow('missing ce_type header');
  });
});
