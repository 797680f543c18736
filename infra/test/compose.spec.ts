import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../src/paths';
import { availableServices, PlatformEndpoints, serviceEnvironment, SERVICES } from '../src/services';
import { WEBHOOK_SECRET_ENV } from '../src/webhook-secrets';

interface ComposeService {
  image?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** A variable Compose must be given (no secret in the file): `docker compose up` stops, saying where to look, without it. */
const required = (name: string) => `\${${name}:?set ${name} (whsec_<base64>), see the top of docker-compose.yml}`;

/** How the apps reach the platform inside Compose: by service name; the webhook secrets from the user's environment. */
const docker: PlatformEndpoints = {
  kafkaBrokers: 'kafka:29092',
  databaseUrl: (database) => `postgres://postgres@postgres:5432/${database}`,
  schemaRegistryUrl: 'http://schema-registry:8081',
  odooUrl: 'http://odoo-sim:8069',
  orderUrl: 'http://order:3001',
  webhookSecrets: { payments: required(WEBHOOK_SECRET_ENV.payments), carrier: required(WEBHOOK_SECRET_ENV.carrier) },
};

/** The broker settings kafka.sh writes, as a map (paths and listeners differ by design). */
function localBrokerSettings(): Record<string, string> {
  const script = fs.readFileSync(path.join(repoRoot, 'infra', 'kafka', 'kafka.sh'), 'utf8');
  const properties = script.slice(script.indexOf('server.properties" <<PROPS'), script.indexOf('PROPS\n', script.indexOf('server.properties" <<PROPS') + 30));
  const settings: Record<string, string> = {};
  for (const line of properties.split('\n').slice(1)) {
    const [key, value] = line.split('=');
    if (key && value !== undefined && !/listener|quorum|log\.dirs|node\.id/.test(key)) settings[key] = value;
  }
  return settings;
}

describe('docker-compose.yml', () => {
  it('is well-formed YAML with Kafka in KRaft mode, PostgreSQL and the apps', () => {
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:4\.1\.\d+$/);
    expect(compose.services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.postgres.image).toBe('postgres:15');
  });

  it('configures the broker as kafka.sh does (auto-creation off, single-node internal topics)', () => {
    const env = compose.services.kafka.environment ?? {};
    const settings = localBrokerSettings();
    expect(settings['auto.create.topics.enable']).toBe('false');
    for (const [key, value] of Object.entries(settings)) {
      expect([`KAFKA_${key.toUpperCase().replace(/\./g, '_')}`, String(env[`KAFKA_${key.toUpperCase().replace(/\./g, '_')}`])]).toEqual([
        `KAFKA_${key.toUpperCase().replace(/\./g, '_')}`,
        value,
      ]);
    }
  });

  it('runs every app that exists, each from the services table', () => {
    const apps = Object.keys(compose.services).filter((name) => SERVICES.some((s) => s.name === name));
    for (const service of availableServices()) {
      expect(apps).toContain(service.name); // add it to docker-compose.yml like the others
    }
  });

  it('commits no webhook secret: every one comes from a variable the user sets', () => {
    const text = fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(text.match(/whsec_[A-Za-z0-9+/=]{8,}/g)).toBeNull();
    expect(compose.services['retail-sim'].environment?.RETAIL_SIM_CARRIER_WEBHOOK_SECRET).toBe(required('OMNIBUS_CARRIER_WEBHOOK_SECRET'));
    expect(compose.services.order.environment?.ORDER_PAYMENT_WEBHOOK_SECRETS).toBe(`{"retail-sim":["${required('OMNIBUS_PAYMENT_WEBHOOK_SECRET')}"]}`);
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))('gives %s the same environment, port and entry point as omnibus up', (name, service) => {
    const app = compose.services[name];
    if (!app) return; // not in Compose yet: the test above insists once the app exists
    // Every node container also gets where its TypeScript config and local state are.
    const env = Object.fromEntries(
      Object.entries(app.environment ?? {}).filter(([key]) => key !== 'SWC_NODE_PROJECT' && key !== 'OMNIBUS_HOME'),
    );
    const expected = { ...serviceEnvironment(service, docker, service.port), ...service.dockerEnv };
    expect(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]))).toEqual(expected);
    expect(app.ports).toEqual([`127.0.0.1:${service.port}:${service.port}`]);
    expect(app.command).toEqual(['node', '-r', '@swc-node/register', `apps/${name}/src/main.ts`]);
    expect(app.depends_on?.setup).toEqual({ condition: 'service_completed_successfully' });
  });
});
