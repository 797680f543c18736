import { registryEnvironment } from './service';

describe('registryEnvironment', () => {
  it('passes service-kit settings through untouched', () => {
    const env = { PORT: '9000', DATABASE_URL: 'postgres://postgres@db:5432/registry' };
    expect(registryEnvironment(env)).toEqual(env);
  });

  it('takes the port from SCHEMA_REGISTRY_PORT, which names this service', () => {
    expect(registryEnvironment({ PORT: '3000', SCHEMA_REGISTRY_PORT: '18081' }).PORT).toBe('18081');
  });

  it('builds DATABASE_URL from PG* variables when it is not set', () => {
    expect(registryEnvironment({ PGHOST: 'pg', PGPORT: '5433', PGUSER: 'reg', PGPASSWORD: 'p@ss' }).DATABASE_URL).toBe(
      'postgres://reg:p%40ss@pg:5433/registry',
    );
    expect(registryEnvironment({ PGHOST: 'pg', SCHEMA_REGISTRY_DATABASE: 'schemas' }).DATABASE_URL).toBe('postgres://postgres@pg:5432/schemas');
    expect(registryEnvironment({ PGHOST: 'pg', DATABASE_URL: 'postgres://x@h/registry' }).DATABASE_URL).toBe('postgres://x@h/registry');
  });

  it('leaves DATABASE_URL to the operator-contract default without any PG* variable', () => {
    expect(registryEnvironment({}).DATABASE_URL).toBeUndefined();
  });
});
