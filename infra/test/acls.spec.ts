import fs from 'node:fs';
import { aclKey, AclBinding, catalogueAcls, planAcls } from '../src/acls';
import { loadCatalogue, parseCatalogue } from '../src/catalogue';
import { KAFKA_SCRIPT } from '../src/kafka';

const catalogue = loadCatalogue();
const acls = catalogueAcls(catalogue);
const granted = (principal: string, resource: string, operation: string) =>
  acls.some((b) => b.principal === `User:${principal}` && `${b.resource}:${b.pattern}:${b.name}` === resource && b.operation === operation);
const topicsOf = (principal: string, operation: string) =>
  acls
    .filter((b) => b.principal === `User:${principal}` && b.resource === 'topic' && b.operation === operation)
    .map((b) => b.name)
    .sort();

describe('ACLs derived from schemas/catalogue.yaml', () => {
  it('lets a topic owner write its stream and nothing it does not publish', () => {
    expect(granted('order', 'topic:literal:retail.orders', 'write')).toBe(true);
    expect(granted('order', 'topic:literal:retail.finance', 'write')).toBe(false);
    expect(granted('finance-posting', 'topic:literal:retail.finance', 'write')).toBe(true);
    expect(topicsOf('order', 'write')).toEqual(
      ['inventory.commands', 'odoo.commands', 'order.dlq', 'order.retry', 'order.retry-1', 'order.retry-2', 'order.retry-3', 'payments.commands', 'retail.orders', 'retail.payments', 'retail.shipments'].sort(),
    );
  });

  it('lets every service that publishes an event write its topic, and only those', () => {
    // StockPositionChanged is published by inventory and, from Odoo's stock, by the adapter.
    expect(granted('odoo-adapter', 'topic:literal:retail.inventory', 'write')).toBe(true);
    // Commands are issued by order, finance-posting and returns; the adapter only executes them.
    for (const issuer of ['order', 'finance-posting', 'returns']) expect(granted(issuer, 'topic:literal:odoo.commands', 'write')).toBe(true);
    expect(granted('odoo-adapter', 'topic:literal:odoo.commands', 'write')).toBe(false);
    expect(granted('odoo-adapter', 'topic:literal:odoo.commands', 'read')).toBe(true);
  });

  it('lets consumers read the topics they consume and not others', () => {
    expect(granted('inventory', 'topic:literal:retail.orders', 'read')).toBe(true);
    expect(granted('webhooks', 'topic:literal:retail.finance', 'read')).toBe(true);
    expect(granted('inventory', 'topic:literal:retail.finance', 'read')).toBe(false);
    expect(granted('order', 'topic:literal:odoo.commands', 'read')).toBe(false);
  });

  it('gives each service its own groups, retry and dead-letter topics, and no one else’s', () => {
    for (const service of ['order', 'inventory', 'returns', 'finance-posting', 'odoo-adapter', 'webhooks']) {
      expect(granted(service, `group:literal:${service}`, 'read')).toBe(true);
      expect(granted(service, `group:prefixed:${service}.`, 'read')).toBe(true);
      expect(granted(service, `topic:literal:${service}.retry`, 'read')).toBe(true);
      expect(granted(service, `topic:literal:${service}.retry`, 'write')).toBe(true);
      for (const tier of [1, 2, 3]) {
        expect(granted(service, `topic:literal:${service}.retry-${tier}`, 'read')).toBe(true);
        expect(granted(service, `topic:literal:${service}.retry-${tier}`, 'write')).toBe(true);
      }
      expect(granted(service, `topic:literal:${service}.dlq`, 'write')).toBe(true);
      expect(granted(service, `topic:literal:${service}.dlq`, 'read')).toBe(false);
    }
    const groups = acls.filter((b) => b.resource === 'group');
    expect(groups.every((b) => b.name === b.principal.slice('User:'.length) || b.name === `${b.principal.slice('User:'.length)}.`)).toBe(true);
    expect(granted('inventory', 'group:prefixed:order.', 'read')).toBe(false);
  });

  it('gives admin topic set-up on the catalogue topics and no data access', () => {
    const admin = acls.filter((b) => b.principal === 'User:admin');
    expect(new Set(admin.map((b) => b.operation))).toEqual(new Set(['create', 'describe', 'describe-configs', 'alter-configs', 'alter']));
    expect(granted('admin', 'topic:literal:retail.orders', 'create')).toBe(true);
    expect(granted('admin', 'topic:literal:webhooks.dlq', 'alter-configs')).toBe(true);
    expect(admin.some((b) => b.pattern === 'prefixed' || b.resource === 'group')).toBe(false);
  });

  it('names no principal outside the catalogue, and never the broker super user', () => {
    const principals = new Set(acls.map((b) => b.principal));
    expect([...principals].sort()).toEqual(
      ['admin', 'finance-posting', 'inventory', 'odoo-adapter', 'order', 'returns', 'webhooks'].map((s) => `User:${s}`).sort(),
    );
    expect(new Set(acls.map(aclKey)).size).toBe(acls.length);
  });

  it('explains each grant', () => {
    const write = acls.find((b) => b.principal === 'User:returns' && b.name === 'odoo.commands' && b.operation === 'write')!;
    expect(write.reason).toBe('publishes CreateCreditNote, CreateReturnPicking');
  });

  it('follows a catalogue change: a new consumer gets read access, an owner without events writes its topic', () => {
    const small = parseCatalogue(
      'topics:\n  - topic: retail.gift-cards\n    owner: order\n    consumers: [loyalty]\nserviceTopics:\n  services: [order, loyalty]\n',
    );
    const derived = catalogueAcls(small).map(aclKey);
    expect(derived).toEqual(
      expect.arrayContaining([
        'User:order topic:literal:retail.gift-cards write',
        'User:loyalty topic:literal:retail.gift-cards read',
        'User:loyalty group:prefixed:loyalty. read',
        'User:admin topic:literal:loyalty.dlq create',
      ]),
    );
  });
});

describe('planning ACLs against the broker', () => {
  const binding = (principal: string, name: string, operation: AclBinding['operation']): AclBinding => ({
    principal,
    resource: 'topic',
    pattern: 'literal',
    name,
    operation,
    reason: '',
  });

  it('creates what is missing, keeps what is there, and reports stale grants of managed principals only', () => {
    const wanted = [binding('User:order', 'retail.orders', 'write'), binding('User:order', 'order.dlq', 'write')];
    const broker = [
      binding('User:order', 'retail.orders', 'write'),
      binding('User:order', 'retail.finance', 'write'),
      binding('User:reporting', 'retail.orders', 'read'),
    ];
    const plan = planAcls(wanted, broker);
    expect(plan.missing.map(aclKey)).toEqual(['User:order topic:literal:order.dlq write']);
    expect(plan.present.map(aclKey)).toEqual(['User:order topic:literal:retail.orders write']);
    expect(plan.stale.map(aclKey)).toEqual(['User:order topic:literal:retail.finance write']);
  });
});

describe('the identities kafka.sh creates', () => {
  it('are the broker, admin and every service of the catalogue', () => {
    const script = fs.readFileSync(KAFKA_SCRIPT, 'utf8');
    const users = /^scram_users=\(([^)]*)\)$/m.exec(script)![1].split(/\s+/).filter(Boolean);
    expect(users.sort()).toEqual(['broker', 'admin', ...(catalogue.serviceTopics?.services ?? [])].sort());
  });
});
