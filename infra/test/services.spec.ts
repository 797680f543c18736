import { operatorDefaults } from '@omnibus/service-kit';
import { SERVICE_DATABASES, platformDatabases } from '../src/postgres';
import { localEndpoints, serviceDatabases, serviceEnvironment, servicePort, SERVICES } from '../src/services';

const byName = (name: string) => SERVICES.find((s) => s.name === name)!;
const secrets = { payments: 'whsec_cGF5bWVudHM=', carrier: 'whsec_Y2Fycmllcg==' };

describe('the services table', () => {
  it('follows the operator contract: ports and start order', () => {
    expect(Object.fromEntries(SERVICES.map((s) => [s.name, s.port]))).toEqual({
      'schema-registry': 8081,
      'odoo-sim': 8069,
      order: 3001,
      inventory: 3002,
      returns: 3003,
      'finance-posting': 3004,
      'odoo-adapter': 3005,
      webhooks: 3006,
      'retail-sim': 3010,
    });
    // What services need at start-up (the registry) starts before them.
    expect(byName('schema-registry').tier).toBeLessThan(byName('order').tier);
  });

  it('agrees with the defaults libs/service-kit applies when a variable is missing', () => {
    for (const [name, defaults] of Object.entries(operatorDefaults)) {
      expect([name, byName(name)?.port, byName(name)?.database]).toEqual([name, defaults.port, defaults.database]);
    }
  });

  it('has a database for every service database of the architecture', () => {
    expect(platformDatabases(serviceDatabases(), {})).toEqual(expect.arrayContaining([...SERVICE_DATABASES]));
  });

  it('gives an app its port (also under its own variable), the platform addresses and its own database', () => {
    const endpoints = localEndpoints(['127.0.0.1:9092'], { host: '127.0.0.1', port: 5432, user: 'postgres' }, secrets, {});
    expect(serviceEnvironment(byName('odoo-adapter'), endpoints, 3005)).toEqual({
      PORT: '3005',
      ODOO_ADAPTER_PORT: '3005',
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/odoo_adapter',
      ODOO_URL: 'http://127.0.0.1:8069',
    });
  });

  it('moves every address when ports are overridden, and rejects a port that is not one', () => {
    const env = { SCHEMA_REGISTRY_PORT: '18081', ODOO_SIM_PORT: '18069', ORDER_PORT: '13001' };
    const endpoints = localEndpoints(['127.0.0.1:19092'], { host: '127.0.0.1', port: 55432, user: 'postgres' }, secrets, env);
    expect(endpoints.schemaRegistryUrl).toBe('http://127.0.0.1:18081');
    expect(endpoints.odooUrl).toBe('http://127.0.0.1:18069');
    expect(serviceEnvironment(byName('retail-sim'), endpoints, 3010).RETAIL_SIM_CARRIER_WEBHOOK_URL).toBe('http://127.0.0.1:13001/webhooks/carriers/retail-sim');
    expect(servicePort(byName('order'), { ORDER_PORT: '13001' })).toBe(13001);
    expect(() => servicePort(byName('order'), { ORDER_PORT: 'x' })).toThrow('ORDER_PORT must be a port number, got "x"');
  });

  it("wires retail-sim's gateway and carrier webhooks to the order service, each with its own secret the order service checks", () => {
    const endpoints = localEndpoints(['127.0.0.1:9092'], { host: '127.0.0.1', port: 5432, user: 'postgres' }, secrets, {});
    expect(serviceEnvironment(byName('retail-sim'), endpoints, 3010)).toMatchObject({
      RETAIL_SIM_WEBHOOK_URL: 'http://127.0.0.1:3001/webhooks/payments/retail-sim',
      RETAIL_SIM_WEBHOOK_SECRET: secrets.payments,
      RETAIL_SIM_CARRIER_WEBHOOK_URL: 'http://127.0.0.1:3001/webhooks/carriers/retail-sim',
      RETAIL_SIM_CARRIER_WEBHOOK_SECRET: secrets.carrier,
    });
    const order = serviceEnvironment(byName('order'), endpoints, 3001);
    expect(JSON.parse(order.ORDER_PAYMENT_WEBHOOK_SECRETS)).toEqual({ 'retail-sim': [secrets.payments] });
    expect(JSON.parse(order.ORDER_CARRIER_WEBHOOK_SECRETS)).toEqual({ 'retail-sim': [secrets.carrier] });
  });
});
