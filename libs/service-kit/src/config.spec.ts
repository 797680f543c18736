import { z } from 'zod';
import { ConfigError, DEV_AUTH_SECRET, loadServiceConfig, serviceConfigSchema, usesDevAuthSecret } from './config';
import { setting, topicFor } from './settings';

function problemsOf(env: Record<string, string>, schema = serviceConfigSchema('order')): string {
  try {
    loadServiceConfig('order', schema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('configuration was accepted');
}

describe('service configuration', () => {
  it('uses the operator-contract defaults of each service', () => {
    const order = loadServiceConfig('order', serviceConfigSchema('order'), {});
    expect(order).toMatchObject({
      PORT: 3001,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/order',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
      LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'none',
    });
    expect(usesDevAuthSecret(order)).toBe(true);
    const finance = loadServiceConfig('finance-posting', serviceConfigSchema('finance-posting'), {});
    expect([finance.PORT, finance.DATABASE_URL]).toEqual([3004, 'postgres://postgres@127.0.0.1:5432/finance']);
    const adapter = loadServiceConfig('odoo-adapter', serviceConfigSchema('odoo-adapter'), {});
    expect([adapter.PORT, adapter.DATABASE_URL]).toEqual([3005, 'postgres://postgres@127.0.0.1:5432/odoo_adapter']);
  });

  it('reads overrides from the environment', () => {
    const config = loadServiceConfig('order', serviceConfigSchema('order'), {
      PORT: '0',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      DATABASE_URL: 'postgresql://svc:pw@db:6543/orders_eu',
    });
    expect(config.PORT).toBe(0);
    expect(config.KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });

  it('an empty KAFKA_BROKERS stops start-up with one line naming it', () => {
    expect(problemsOf({ KAFKA_BROKERS: '' })).toBe(
      'order: invalid configuration: KAFKA_BROKERS is required (comma-separated host:port list)',
    );
  });

  it('malformed settings are named with what was expected and what was given', () => {
    expect(problemsOf({ PORT: 'abc' })).toBe('order: invalid configuration: PORT is invalid (integer TCP port 0-65535), got "abc"');
    expect(problemsOf({ PORT: '70000', KAFKA_BROKERS: 'localhost' })).toBe(
      'order: invalid configuration: PORT is invalid (integer TCP port 0-65535), got "70000"; ' +
        'KAFKA_BROKERS is invalid (comma-separated host:port list), got "localhost"',
    );
    expect(problemsOf({ DATABASE_URL: 'mysql://root:hunter2@db/order' })).toBe(
      'order: invalid configuration: DATABASE_URL is invalid (postgres://user[:password]@host:port/database), got "mysql://root:***@db/order"',
    );
    expect(problemsOf({ LOG_LEVEL: 'loud' })).toBe(
      'order: invalid configuration: LOG_LEVEL is invalid (one of fatal, error, warn, info, debug, trace, silent), got "loud"',
    );
  });

  it('never prints a secret, even a malformed one', () => {
    expect(problemsOf({ OMNIBUS_AUTH_SECRET: 'short' })).toBe(
      'order: invalid configuration: OMNIBUS_AUTH_SECRET is invalid (HMAC secret for API tokens, at least 32 characters), got a value of 5 characters',
    );
  });

  it('production refuses the development auth secret', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toContain('OMNIBUS_AUTH_SECRET is required when NODE_ENV=production');
    const secret = 'x'.repeat(40);
    const config = loadServiceConfig('order', serviceConfigSchema('order'), { NODE_ENV: 'production', OMNIBUS_AUTH_SECRET: secret });
    expect(config.OMNIBUS_AUTH_SECRET).toBe(secret);
    expect(DEV_AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('service-specific settings extend the common ones and are checked the same way', () => {
    const schema = serviceConfigSchema('odoo-adapter').extend({
      ODOO_URL: setting.url({ description: 'http(s) URL of Odoo', protocols: ['http:', 'https:'] }),
      ODOO_BATCH_SIZE: setting.integer({ description: 'records per call, 1-1000', default: 100, min: 1, max: 1000 }),
    });
    expect(problemsOf({}, schema)).toBe('order: invalid configuration: ODOO_URL is required (http(s) URL of Odoo)');
    const config: z.infer<typeof schema> = loadServiceConfig('odoo-adapter', schema, { ODOO_URL: 'http://odoo:8069' });
    expect(config.ODOO_BATCH_SIZE).toBe(100);
  });
});

describe('TOPIC_OVERRIDES', () => {
  const schema = serviceConfigSchema('order').extend({ TOPIC_OVERRIDES: setting.topicOverrides() });

  it('renames only the catalogue topics it names, and none by default', () => {
    const config = loadServiceConfig('order', schema, { TOPIC_OVERRIDES: '{"odoo.results":"odoo.results.t1"}' });
    expect([topicFor(config, 'odoo.results'), topicFor(config, 'retail.orders')]).toEqual(['odoo.results.t1', 'retail.orders']);
    expect(topicFor(loadServiceConfig('order', schema, {}), 'odoo.results')).toBe('odoo.results');
  });

  it('refuses anything but a JSON object of topic names, naming the setting', () => {
    expect(problemsOf({ TOPIC_OVERRIDES: '["odoo.results"]' }, schema)).toMatch(/^order: invalid configuration: TOPIC_OVERRIDES is invalid \(JSON map from catalogue topic/);
    expect(problemsOf({ TOPIC_OVERRIDES: '{"odoo.results": 1}' }, schema)).toMatch(/TOPIC_OVERRIDES/);
    expect(problemsOf({ TOPIC_OVERRIDES: 'nope' }, schema)).toMatch(/TOPIC_OVERRIDES/);
  });
});
