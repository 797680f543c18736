import { record, RegistryUnderTest, startRegistry, V1_JSON } from './registry-harness';

const orderPlaced = record('OrderPlaced', [{ name: 'orderId', type: 'string' }]);
const orderPlacedWithChannel = record('OrderPlaced', [
  { name: 'orderId', type: 'string' },
  { name: 'channel', type: 'string', default: 'web' },
]);

describe('schema registry API (Confluent-compatible)', () => {
  let r: RegistryUnderTest;

  beforeAll(async () => {
    r = await startRegistry('registry_api');
  });

  afterAll(async () => {
    await r.stop();
  });

  describe('registering and reading versions', () => {
    const subject = 'retail.orders-value';

    it('registers a first version and answers its global id', async () => {
      const reply = await r.register(subject, orderPlaced);
      expect(reply).toMatchObject({ status: 200, body: { id: 1 } });
      expect(reply.contentType).toContain(V1_JSON);
    });

    it('returns the same id without a new version when the identical schema is registered again', async () => {
      const reformatted = JSON.stringify(orderPlaced, null, 2).replace('"type": "record",', '');
      const again = await r.call('POST', `/subjects/${subject}/versions`, {
        schema: JSON.stringify({ type: 'record', ...JSON.parse(reformatted) }),
      });
      expect(again.body).toEqual({ id: 1 });
      expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
    });

    it('accepts every Confluent content type and bodies without one', async () => {
      for (const contentType of ['application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream']) {
        const reply = await r.call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(orderPlaced) }, contentType);
        expect({ contentType, status: reply.status, body: reply.body }).toEqual({ contentType, status: 200, body: { id: 1 } });
      }
      const bare = await fetch(`${r.url}/subjects/${subject}/versions`, { method: 'POST', body: JSON.stringify({ schema: '"string"' }) });
      expect(bare.status).toBe(409); // parsed as JSON, then refused by BACKWARD: a string cannot read an OrderPlaced
    });

    it('adds version 2 with a new id', async () => {
      expect((await r.register(subject, orderPlacedWithChannel)).body).toEqual({ id: 2 });
      expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    });

    it.each(['2', 'latest', '-1'])('reads version %s', async (version) => {
      const reply = await r.call('GET', `/subjects/${subject}/versions/${version}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ subject, version: 2, id: 2, schema: expect.any(String) });
      expect(JSON.parse(reply.body.schema)).toEqual(orderPlacedWithChannel);
    });

    it('serves the raw schema of a version and of an id', async () => {
      const byVersion = await r.call('GET', `/subjects/${subject}/versions/1/schema`);
      expect(byVersion.body).toEqual(orderPlaced);
      const byId = await r.call('GET', '/schemas/ids/2/schema');
      expect(byId.body).toEqual(orderPlacedWithChannel);
    });

    it('keeps defaults, docs and aliases in the identity: a changed default is a new schema', async () => {
      const changedDefault = record('OrderPlaced', [
        { name: 'orderId', type: 'string' },
        { name: 'channel', type: 'string', default: 'store' },
      ]);
      await r.call('PUT', '/config/identity-check', { compatibility: 'NONE' });
      expect((await r.register('identity-check', orderPlacedWithChannel)).body).toEqual({ id: 2 });
      expect((await r.register('identity-check', changedDefault)).body).toEqual({ id: 3 });
      const documented = record('OrderPlaced', [{ name: 'orderId', type: 'string', doc: 'UUIDv7' }]);
      expect((await r.register('identity-check', documented)).body).toEqual({ id: 4 });
    });

    it('gives an existing schema its global id in another subject, as version 1 there', async () => {
      expect((await r.register('retail.orders-retail.orders.OrderPlaced', orderPlaced)).body).toEqual({ id: 1 });
      const version = await r.call('GET', '/subjects/retail.orders-retail.orders.OrderPlaced/versions/latest');
      expect(version.body).toMatchObject({ version: 1, id: 1 });
      expect((await r.call('GET', '/schemas/ids/1/subjects')).body).toEqual(['retail.orders-retail.orders.OrderPlaced', subject]);
      expect((await r.call('GET', '/schemas/ids/1/versions')).body).toEqual([
        { subject: 'retail.orders-retail.orders.OrderPlaced', version: 1 },
        { subject, version: 1 },
      ]);
    });

    it('serves schemas by id, and their types', async () => {
      const reply = await r.call('GET', '/schemas/ids/1');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ schema: JSON.stringify(orderPlaced) });
      expect((await r.call('GET', '/schemas/types')).body).toEqual(['AVRO']);
      expect((await r.call('GET', '/')).body).toEqual({});
    });

    it('lists subjects, with a prefix filter', async () => {
      expect((await r.call('GET', '/subjects')).body).toEqual(
        expect.arrayContaining(['identity-check', 'retail.orders-retail.orders.OrderPlaced', subject]),
      );
      expect((await r.call('GET', '/subjects?subjectPrefix=retail.orders-')).body).toEqual([
        'retail.orders-retail.orders.OrderPlaced',
        subject,
      ]);
    });

    it('looks a schema up in a subject', async () => {
      const found = await r.call('POST', `/subjects/${subject}`, { schema: JSON.stringify(orderPlacedWithChannel) });
      expect(found.body).toEqual({ subject, version: 2, id: 2, schema: JSON.stringify(orderPlacedWithChannel) });
      const unknown = await r.call('POST', `/subjects/${subject}`, { schema: JSON.stringify(record('Other', [])) });
      expect(unknown).toMatchObject({ status: 404, body: { error_code: 40403 } });
      const noSubject = await r.call('POST', '/subjects/nobody', { schema: JSON.stringify(orderPlaced) });
      expect(noSubject).toMatchObject({ status: 404, body: { error_code: 40401 } });
    });
  });

  describe('errors carry {error_code, message}', () => {
    it.each([
      ['GET', '/subjects/nobody/versions', 404, 40401],
      ['GET', '/subjects/nobody/versions/latest', 404, 40401],
      ['GET', '/subjects/retail.orders-value/versions/99', 404, 40402],
      ['GET', '/subjects/retail.orders-value/versions/0', 422, 42202],
      ['GET', '/subjects/retail.orders-value/versions/-2', 422, 42202],
      ['GET', '/subjects/retail.orders-value/versions/first', 422, 42202],
      ['GET', '/schemas/ids/999', 404, 40403],
      ['GET', '/schemas/ids/abc', 404, 40403],
      ['GET', '/schemas/ids/999/versions', 404, 40403],
      ['GET', '/no/such/route', 404, 404],
    ])('%s %s → %i / %i', async (method, path, status, errorCode) => {
      const reply = await r.call(method, path);
      expect(reply.status).toBe(status);
      expect(reply.body).toEqual({ error_code: errorCode, message: expect.any(String) });
      expect(reply.contentType).toContain(V1_JSON);
    });

    it.each([
      ['invalid Avro', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'x', type: 'Nope' }] }) }, /undefined type name: Nope/],
      ['a default that does not fit', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'x', type: 'int', default: 'a' }] }) }, /default/],
      ['an empty union as a union branch (a nested union, as Java says)', { schema: '["int", []]' }, /nested union/],
      ['a default for a field of an empty union (it has no values)', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'x', type: [], default: null }] }) }, /empty union/],
      ['a schema string that is not JSON', { schema: '{"type": "record"' }, /not valid JSON/],
      ['a missing schema', {}, /Empty schema/],
      ['a schema that is an object, not a string', { schema: { type: 'string' } }, /JSON string/],
      ['another schema type', { schema: '"string"', schemaType: 'PROTOBUF' }, /AVRO only/],
      ['a body that is an array', [1, 2], /JSON object/],
      ['a reference to a missing subject', { schema: '"string"', references: [{ name: 'x.Y', subject: 'nobody', version: 1 }] }, /does not exist/],
    ])('refuses %s with 42201', async (_name, body, message) => {
      const reply = await r.call('POST', '/subjects/invalid-check/versions', body);
      expect(reply.status).toBe(422);
      expect(reply.body.error_code).toBe(42201);
      expect(reply.body.message).toMatch(message);
    });

    it('answers a malformed JSON body with 422 / 50005 and keeps serving', async () => {
      const reply = await r.call('POST', '/subjects/invalid-check/versions', '{"schema": ');
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({ error_code: 50005, message: expect.stringMatching(/^Malformed JSON request body/) });
      expect((await r.call('GET', '/schemas/types')).status).toBe(200);
    });

    it('refuses an invalid subject name with 42208', async () => {
      const reply = await r.register('bad\u0001subject', orderPlaced);
      expect(reply).toMatchObject({ status: 422, body: { error_code: 42208 } });
    });
  });

  describe('/config', () => {
    it('serves the global level, BACKWARD by default, and updates it', async () => {
      expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect((await r.call('PUT', '/config', { compatibility: 'full' })).body).toEqual({ compatibility: 'FULL' });
      expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
      expect((await r.call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
      expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });

    it('answers 40408 for a subject without its own level, unless defaultToGlobal', async () => {
      const own = await r.call('GET', '/config/config-check');
      expect(own).toMatchObject({ status: 404, body: { error_code: 40408 } });
      expect((await r.call('GET', '/config/config-check?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });

    it('sets, reads and deletes a subject level', async () => {
      expect((await r.call('PUT', '/config/config-check', { compatibility: 'FORWARD_TRANSITIVE' })).body).toEqual({
        compatibility: 'FORWARD_TRANSITIVE',
      });
      expect((await r.call('GET', '/config/config-check')).body).toEqual({ compatibilityLevel: 'FORWARD_TRANSITIVE' });
      expect((await r.call('DELETE', '/config/config-check')).body).toEqual({ compatibilityLevel: 'FORWARD_TRANSITIVE' });
      expect((await r.call('DELETE', '/config/config-check')).body).toMatchObject({ error_code: 40401 });
    });

    it.each([{ compatibility: 'SIDEWAYS' }, {}, { compatibility: 3 }])('refuses %j with 42203', async (body) => {
      expect(await r.call('PUT', '/config/config-check', body)).toMatchObject({ status: 422, body: { error_code: 42203 } });
      expect(await r.call('PUT', '/config', body)).toMatchObject({ status: 422, body: { error_code: 42203 } });
    });
  });

  describe('/mode', () => {
    it('is READWRITE by default and 40409 for a subject without its own mode', async () => {
      expect((await r.call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
      expect(await r.call('GET', '/mode/mode-check')).toMatchObject({ status: 404, body: { error_code: 40409 } });
      expect((await r.call('GET', '/mode/mode-check?defaultToGlobal=true')).body).toEqual({ mode: 'READWRITE' });
    });

    it('refuses registrations and deletes in READONLY (42205)', async () => {
      expect((await r.register('mode-check', orderPlaced)).status).toBe(200);
      expect((await r.call('PUT', '/mode/mode-check', { mode: 'READONLY' })).body).toEqual({ mode: 'READONLY' });
      expect(await r.register('mode-check', orderPlacedWithChannel)).toMatchObject({ status: 422, body: { error_code: 42205 } });
      expect(await r.call('DELETE', '/subjects/mode-check')).toMatchObject({ status: 422, body: { error_code: 42205 } });
      expect((await r.call('DELETE', '/mode/mode-check')).body).toEqual({ mode: 'READONLY' });
      expect((await r.register('mode-check', orderPlacedWithChannel)).status).toBe(200);
    });

    it('lets IMPORT mode choose ids and versions, and refuses an id taken by another schema (42207)', async () => {
      await r.call('PUT', '/mode/import-check', { mode: 'IMPORT' });
      const imported = record('Imported', [{ name: 'x', type: 'int' }]);
      expect((await r.register('import-check', imported, { id: 500, version: 7 })).body).toEqual({ id: 500 });
      expect((await r.call('GET', '/subjects/import-check/versions/7')).body).toMatchObject({ id: 500, version: 7 });
      // an import replayed is idempotent
      expect((await r.register('import-check', imported, { id: 500, version: 7 })).body).toEqual({ id: 500 });
      expect((await r.call('GET', '/subjects/import-check/versions')).body).toEqual([7]);
      const other = record('Imported2', [{ name: 'x', type: 'int' }]);
      expect(await r.register('import-check', other, { id: 500 })).toMatchObject({ status: 422, body: { error_code: 42207 } });
      // outside IMPORT mode an id cannot be chosen
      expect(await r.register('mode-check', other, { id: 501 })).toMatchObject({ status: 422, body: { error_code: 42205 } });
      // and new ids continue above the imported one
      await r.call('DELETE', '/mode/import-check');
      await r.call('PUT', '/config/import-check', { compatibility: 'NONE' });
      expect((await r.register('import-check', other)).body).toEqual({ id: 501 });
    });

    it('refuses an unknown mode with 42204', async () => {
      expect(await r.call('PUT', '/mode', { mode: 'READMOSTLY' })).toMatchObject({ status: 422, body: { error_code: 42204 } });
    });
  });

  describe('schema references', () => {
    const money = {
      type: 'record',
      name: 'Money',
      namespace: 'retail.common',
      fields: [
        { name: 'amountMinor', type: 'long' },
        { name: 'currency', type: 'string' },
      ],
    };
    const orderTotal = record('OrderTotal', [{ name: 'total', type: 'retail.common.Money' }]);
    const references = [{ name: 'retail.common.Money', subject: 'retail.common.Money', version: 1 }];

    it('registers a schema that uses a type of another subject and serves its references', async () => {
      const moneyId = (await r.register('retail.common.Money', money)).body.id;
      const reply = await r.register('retail.orders-total', orderTotal, { references });
      expect(reply.status).toBe(200);
      const version = await r.call('GET', '/subjects/retail.orders-total/versions/1');
      expect(version.body.references).toEqual(references);
      expect((await r.call('GET', `/schemas/ids/${reply.body.id}`)).body).toEqual({
        schema: JSON.stringify(orderTotal),
        references,
      });
      expect((await r.call('GET', '/subjects/retail.common.Money/versions/1/referencedby')).body).toEqual([reply.body.id]);
      expect(moneyId).not.toBe(reply.body.id);
    });

    it('treats the same text with other references as another schema, and refuses it without them', async () => {
      const without = await r.register('retail.orders-total-2', orderTotal);
      expect(without).toMatchObject({ status: 422, body: { error_code: 42201 } });
    });

    it('refuses to delete a referenced version (42206)', async () => {
      const reply = await r.call('DELETE', '/subjects/retail.common.Money/versions/1');
      expect(reply).toMatchObject({ status: 422, body: { error_code: 42206 } });
    });
  });

  describe('operations', () => {
    it('is live and ready while its database answers', async () => {
      expect(await r.call('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await r.call('GET', '/health/ready')).toMatchObject({ status: 200, body: { status: 'ok', info: { database: { status: 'up' } } } });
    });

    it('serves Prometheus metrics: requests by route, registrations by outcome, id cache hits', async () => {
      await r.call('GET', '/schemas/ids/1');
      await r.call('GET', '/schemas/ids/1');
      const metrics = await r.call('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.contentType).toContain('text/plain');
      expect(metrics.text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/schemas\/ids\/:id"[^}]*status_code="200"[^}]*\} \d+/);
      expect(metrics.text).toMatch(/schema_registry_registrations_total\{[^}]*outcome="created"[^}]*\} \d+/);
      expect(metrics.text).toMatch(/schema_registry_registrations_total\{[^}]*outcome="existing"[^}]*\} \d+/);
      expect(metrics.text).toMatch(/schema_registry_schema_cache_lookups_total\{[^}]*result="hit"[^}]*\} [1-9]\d*/);
    });
  });
});
