import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { devWebhookSecrets, webhookSecretsPath } from '../src/webhook-secrets';

describe("the platform home's webhook secrets", () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-whsec-'));
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('are made once from random bytes, in a file only its owner reads, and kept for later runs', () => {
    const first = devWebhookSecrets(home, {});
    expect(first.payments).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(first.carrier).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(first.carrier).not.toBe(first.payments);
    expect(fs.statSync(webhookSecretsPath(home)).mode & 0o777).toBe(0o600);
    expect(devWebhookSecrets(home, {})).toEqual(first);
    // Another home, other secrets.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-whsec-'));
    try {
      expect(devWebhookSecrets(other, {}).payments).not.toBe(first.payments);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('replace a damaged file, and make it private again', () => {
    fs.writeFileSync(webhookSecretsPath(home), '{"payments": "not a secret"', { mode: 0o644 });
    const secrets = devWebhookSecrets(home, {});
    expect(secrets.payments).toMatch(/^whsec_/);
    expect(JSON.parse(fs.readFileSync(webhookSecretsPath(home), 'utf8'))).toEqual(secrets);
    expect(fs.statSync(webhookSecretsPath(home)).mode & 0o777).toBe(0o600);
  });

  it('are the ones of OMNIBUS_PAYMENT_WEBHOOK_SECRET / OMNIBUS_CARRIER_WEBHOOK_SECRET when set, and refuse one that is not a whsec_', () => {
    const made = devWebhookSecrets(home, {});
    expect(devWebhookSecrets(home, { OMNIBUS_CARRIER_WEBHOOK_SECRET: 'whsec_Y2Fycmllcg==' })).toEqual({ payments: made.payments, carrier: 'whsec_Y2Fycmllcg==' });
    expect(() => devWebhookSecrets(home, { OMNIBUS_PAYMENT_WEBHOOK_SECRET: 'hunter2' })).toThrow('OMNIBUS_PAYMENT_WEBHOOK_SECRET must be a Standard Webhooks secret (whsec_<base64>)');
  });
});
