import { randomBytes } from 'node:crypto';
import { newWebhookSecret, signatureHeader, signWebhook, verifyWebhook } from './standard-webhooks';

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;
const now = new Date('2026-03-11T09:41:13.000Z');
const seconds = Math.floor(now.getTime() / 1000);
const body = Buffer.from('{"type":"payment_intent.succeeded"}');

describe('Standard Webhooks signatures', () => {
  const current = secret();
  const previous = secret();
  const headers = (signature: string, timestamp = seconds, id = 'msg_1') => ({ id, timestamp: String(timestamp), signature });

  it('accepts a signature by a current secret, also among several (rotation) and within 5 minutes', () => {
    expect(verifyWebhook(headers(signWebhook(current, 'msg_1', seconds, body)), body, [current], now)).toEqual({ ok: true });
    const both = `${signWebhook(previous, 'msg_1', seconds - 290, body)} ${signWebhook(current, 'msg_1', seconds - 290, body)}`;
    expect(verifyWebhook(headers(both, seconds - 290), body, [current], now)).toEqual({ ok: true });
    // Our side keeps the previous secret during a rotation, newest first.
    expect(verifyWebhook(headers(signWebhook(previous, 'msg_1', seconds, body)), body, [current, previous], now)).toEqual({ ok: true });
  });

  it('refuses a forged body, another id, an old secret no longer configured, a stale or future timestamp and missing headers', () => {
    const signed = signWebhook(current, 'msg_1', seconds, body);
    expect(verifyWebhook(headers(signed), Buffer.from('{"type":"payment_intent.canceled"}'), [current], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(headers(signed, seconds, 'msg_2'), body, [current], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(headers(signWebhook(previous, 'msg_1', seconds, body)), body, [current], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(headers(signWebhook(current, 'msg_1', seconds - 301, body), seconds - 301), body, [current], now)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhook(headers(signWebhook(current, 'msg_1', seconds + 301, body), seconds + 301), body, [current], now)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhook({ id: 'msg_1', timestamp: String(seconds), signature: undefined }, body, [current], now)).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyWebhook(headers('v1,' + 'A'.repeat(44)), body, [current], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(headers(signed), body, [], now)).toEqual({ ok: false, reason: 'no_secret' });
  });
});

describe('signing with several secrets while one is rotated', () => {
  it('signs once per secret, so a receiver holding either the old or the new one verifies', () => {
    const [current, previous] = [secret(), secret()];
    const header = signatureHeader([current, previous], 'msg_9', seconds, body);
    expect(header.split(' ')).toHaveLength(2);
    expect(verifyWebhook({ id: 'msg_9', timestamp: String(seconds), signature: header }, body, [previous], now)).toEqual({ ok: true });
    expect(verifyWebhook({ id: 'msg_9', timestamp: String(seconds), signature: header }, body, [current], now)).toEqual({ ok: true });
  });

  it('makes secrets of whsec_ and 32 random bytes, a new one each time', () => {
    const made = newWebhookSecret();
    expect(made).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(made.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toEqual(made);
  });
});
