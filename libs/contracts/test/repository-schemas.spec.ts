import { join } from 'node:path';
import { checkSchemas, findRepositoryRoot, formatCheckReport, loadRepository, readSchemaSource } from '../src/tooling';

// CI runs `omnibus schemas check` through this test: `npm test` fails on any breaking or unreleased change.
describe('the schemas of this repository', () => {
  const repository = loadRepository(readSchemaSource(join(findRepositoryRoot(__dirname), 'schemas')));
  const report = checkSchemas(repository);

  it('pass omnibus schemas check', () => {
    if (!report.ok) throw new Error(formatCheckReport(report));
    expect(report.ok).toBe(true);
  });

  it('are all released: the lock matches every schema (run `npx omnibus schemas release` after a change)', () => {
    const unreleased = report.subjects.filter((subject) => subject.state !== 'unchanged').map((s) => `${s.subject} (${s.state})`);
    expect(unreleased).toEqual([]);
  });

  it('cover every domain of the architecture with at least one event each', () => {
    const namespaces = new Set(repository.events.map(({ event }) => event.namespace));
    for (const domain of ['catalog', 'inventory', 'reservation', 'order', 'customer', 'payment', 'shipment', 'returns', 'finance', 'odoo']) {
      expect(namespaces).toContain(`com.omnibus.${domain}`);
    }
  });
});
