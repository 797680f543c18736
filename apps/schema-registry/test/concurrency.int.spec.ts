import type { RunningService } from '@omnibus/service-kit';
import { record, RegistryUnderTest, startRegistry } from './registry-harness';

/** Racing registrations through two registry instances on one database (no shared memory). */
describe('concurrent registrations', () => {
  let r: RegistryUnderTest;
  let sibling: RunningService;

  const register = (baseUrl: string, subject: string, schema: object) =>
    fetch(`${baseUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as { id: number } }));

  beforeAll(async () => {
    r = await startRegistry('registry_race');
    sibling = await r.startSibling();
  });

  afterAll(async () => {
    await r.stop();
  });

  it('gives 24 different schemas racing into one subject 24 distinct versions and ids', async () => {
    await r.call('PUT', '/config/race-value', { compatibility: 'NONE' });
    const schemas = Array.from({ length: 24 }, (_, i) => record(`Event${i}`, [{ name: 'n', type: 'int' }]));
    const replies = await Promise.all(schemas.map((schema, i) => register(i % 2 ? sibling.url : r.url, 'race-value', schema)));
    expect(replies.map((reply) => reply.status)).toEqual(schemas.map(() => 200));
    const ids = replies.map((reply) => reply.body.id as number);
    expect(new Set(ids).size).toBe(24);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const versions = (await r.call('GET', '/subjects/race-value/versions')).body;
    expect(versions).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    // each version holds the schema whose id it was given
    for (const [i, schema] of schemas.entries()) {
      const found = await r.call('POST', '/subjects/race-value', { schema: JSON.stringify(schema) });
      expect(found.body.id).toBe(ids[i]);
    }
  });

  it('gives one schema racing into many subjects one id, and each subject one version', async () => {
    const schema = record('SharedEvent', [{ name: 'n', type: 'long' }]);
    const subjects = Array.from({ length: 12 }, (_, i) => `shared-${i}-value`);
    const replies = await Promise.all(
      subjects.flatMap((subject, i) => [register(r.url, subject, schema), register(i % 2 ? sibling.url : r.url, subject, schema)]),
    );
    expect(new Set(replies.map((reply) => reply.body.id)).size).toBe(1);
    for (const subject of subjects) {
      expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
    }
  });
});
