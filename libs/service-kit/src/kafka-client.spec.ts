import { ConfigError, loadServiceConfig, serviceConfigSchema } from './config';
import { kafkaClientConfig, kafkaSasl } from './kafka-client';

describe('kafkaClientConfig', () => {
  it('is plain brokers when no identity is configured (the local PLAINTEXT broker)', () => {
    expect(kafkaClientConfig({}, { clientId: 'order' })).toEqual({ clientId: 'order', brokers: ['127.0.0.1:9092'] });
    expect(kafkaClientConfig({ KAFKA_BROKERS: 'a:1, b:2', KAFKA_SASL_USERNAME: '' }).brokers).toEqual(['a:1', 'b:2']);
  });

  it('authenticates with SCRAM-SHA-512 by default when KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set', () => {
    expect(kafkaClientConfig({ KAFKA_SASL_USERNAME: 'order', KAFKA_SASL_PASSWORD: 'pw' })).toMatchObject({
      sasl: { mechanism: 'scram-sha-512', username: 'order', password: 'pw' },
    });
    expect(kafkaSasl({ KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw', KAFKA_SASL_MECHANISM: 'PLAIN' })).toEqual({
      mechanism: 'plain',
      username: 'svc',
      password: 'pw',
    });
  });

  it('turns TLS on with KAFKA_SSL, and lets the caller pick the brokers', () => {
    const config = kafkaClientConfig({ KAFKA_SSL: 'true', KAFKA_BROKERS: 'x:1' }, { brokers: ['y:2'] });
    expect(config).toMatchObject({ ssl: true, brokers: ['y:2'] });
  });

  it('refuses a half-configured identity instead of silently connecting anonymously', () => {
    expect(() => kafkaClientConfig({ KAFKA_SASL_USERNAME: 'order' })).toThrow('KAFKA_SASL_PASSWORD is required when KAFKA_SASL_USERNAME is set');
    expect(() => kafkaClientConfig({ KAFKA_SASL_PASSWORD: 'pw' })).toThrow('KAFKA_SASL_USERNAME is required when KAFKA_SASL_PASSWORD is set');
    expect(() => kafkaSasl({ KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: 'b', KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM is invalid/);
  });
});

describe('a service’s Kafka identity settings', () => {
  const schema = serviceConfigSchema('order');

  it('are optional and validated with the other settings', () => {
    const config = loadServiceConfig('order', schema, { KAFKA_SASL_USERNAME: 'order', KAFKA_SASL_PASSWORD: 'secret-pw' });
    expect(kafkaClientConfig(config).sasl).toEqual({ mechanism: 'scram-sha-512', username: 'order', password: 'secret-pw' });
    expect(kafkaClientConfig(loadServiceConfig('order', schema, {})).sasl).toBeUndefined();
  });

  it('stop the service with one line naming the missing setting, never echoing the password', () => {
    const load = (env: Record<string, string>) => () => loadServiceConfig('order', schema, env);
    expect(load({ KAFKA_SASL_PASSWORD: 'do-not-print' })).toThrow(ConfigError);
    expect(load({ KAFKA_SASL_PASSWORD: 'do-not-print' })).toThrow(
      'order: invalid configuration: KAFKA_SASL_USERNAME is required when KAFKA_SASL_PASSWORD is set',
    );
    expect(load({ KAFKA_SASL_USERNAME: 'order', KAFKA_SASL_MECHANISM: 'md5', KAFKA_SASL_PASSWORD: 'do-not-print' })).toThrow(
      /KAFKA_SASL_MECHANISM is invalid \(one of scram-sha-512, scram-sha-256, plain\), got "md5"/,
    );
    expect(() => load({ KAFKA_SASL_USERNAME: 'order', KAFKA_SASL_MECHANISM: 'md5', KAFKA_SASL_PASSWORD: 'do-not-print' })()).not.toThrow(/do-not-print/);
  });
});
