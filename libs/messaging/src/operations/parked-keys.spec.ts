import { deadLetterRetentionMs, parkedRetentionWarningMs, retentionOf } from './parked-keys';

const day = 86_400_000;

describe('a parked key against the dead-letter retention', () => {
  it('follows the catalogue: dead letters are kept 30 days', () => {
    expect(deadLetterRetentionMs).toBe(30 * day);
  });

  it('is reported from a week before its head may leave the dead-letter topic, and past it', () => {
    expect(retentionOf(0)).toBe('ok');
    expect(retentionOf(deadLetterRetentionMs - parkedRetentionWarningMs - 1)).toBe('ok');
    expect(retentionOf(deadLetterRetentionMs - parkedRetentionWarningMs)).toBe('expiring');
    expect(retentionOf(29 * day)).toBe('expiring');
    expect(retentionOf(30 * day)).toBe('expired');
  });
});
