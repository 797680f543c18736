import { mayManage, signingSecrets, wants } from './subscription';

const subscription = { eventTypes: ['order.confirmed', 'order.cancelled'] as any, channels: null as string[] | null, status: 'active' as const };

describe('which subscriptions get an event', () => {
  it('a subscription gets the types it subscribed to, paused ones too (held until resumed), disabled ones never', () => {
    expect(wants(subscription, { type: 'order.confirmed' }, 'web-us')).toBe(true);
    expect(wants(subscription, { type: 'order.shipped' }, 'web-us')).toBe(false);
    expect(wants({ ...subscription, status: 'paused' }, { type: 'order.confirmed' }, null)).toBe(true);
    expect(wants({ ...subscription, status: 'disabled' }, { type: 'order.confirmed' }, null)).toBe(false);
  });

  it('a channel filter lets through only events known to be of a listed channel', () => {
    const filtered = { ...subscription, channels: ['web-us'] };
    expect(wants(filtered, { type: 'order.confirmed' }, 'web-us')).toBe(true);
    expect(wants(filtered, { type: 'order.confirmed' }, 'web-de')).toBe(false);
    expect(wants(filtered, { type: 'order.cancelled' }, null)).toBe(false);
  });
});

describe('who may manage a subscription', () => {
  it('its owner and operators, nobody else', () => {
    expect(mayManage({ sub: 'partner:acme-3pl', scopes: ['webhooks:manage'] }, { owner: 'partner:acme-3pl' })).toBe(true);
    expect(mayManage({ sub: 'partner:other', scopes: ['webhooks:manage'] }, { owner: 'partner:acme-3pl' })).toBe(false);
    expect(mayManage({ sub: 'operator:alice', scopes: ['webhooks:manage', 'webhooks:admin'] }, { owner: 'partner:acme-3pl' })).toBe(true);
  });
});

describe('secrets that sign during a rotation', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  it('the new and the old secret until the grace period ends, then only the new one', () => {
    const rotated = { secret: 'whsec_new', previousSecret: 'whsec_old', previousSecretExpiresAt: new Date('2026-12-06T13:00:00Z') };
    expect(signingSecrets(rotated, now)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(rotated, new Date('2026-12-06T13:00:01Z'))).toEqual(['whsec_new']);
    expect(signingSecrets({ secret: 'whsec_only', previousSecret: null, previousSecretExpiresAt: null }, now)).toEqual(['whsec_only']);
  });
});
