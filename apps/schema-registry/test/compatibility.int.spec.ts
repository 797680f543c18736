import { record, RegistryUnderTest, startRegistry } from './registry-harness';

const orderId = { name: 'orderId', type: 'string' };
const v1 = record('OrderPlaced', [orderId, { name: 'quantity', type: 'int' }]);
const withTierDefault = record('OrderPlaced', [orderId, { name: 'quantity', type: 'int' }, { name: 'loyaltyTier', type: 'string', default: 'NONE' }]);
const withTierNoDefault = record('OrderPlaced', [orderId, { name: 'quantity', type: 'int' }, { name: 'loyaltyTier', type: 'string' }]);
const withoutQuantity = record('OrderPlaced', [orderId]);
const quantityLong = record('OrderPlaced', [orderId, { name: 'quantity', type: 'long' }]);

describe('compatibility enforcement', () => {
  let r: RegistryUnderTest;
  let subjectCount = 0;

  /** A fresh subject at `level`, holding `versions` in order. */
  const subjectWith = async (level: string, ...versions: unknown[]) => {
    const subject = `compat-${++subjectCount}-value`;
    await r.call('PUT', `/config/${subject}`, { compatibility: level });
    for (const version of versions) expect((await r.register(subject, version)).status).toBe(200);
    return subject;
  };

  beforeAll(async () => {
    r = await startRegistry('registry_compat');
  });

  afterAll(async () => {
    await r.stop();
  });

  type Case = [level: string, history: object[], candidate: object, accepted: boolean, mentions: string];
  const cases: Case[] = [
    ['BACKWARD', [v1], withTierDefault, true, ''],
    ['BACKWARD', [v1], withTierNoDefault, false, "reader field 'OrderPlaced.loyaltyTier' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)"],
    ['BACKWARD', [v1], withoutQuantity, true, ''],
    ['BACKWARD', [v1], quantityLong, true, ''],
    ['BACKWARD', [quantityLong], v1, false, "at 'OrderPlaced.quantity' the reader type int cannot read the writer type long (TYPE_MISMATCH)"],
    ['FORWARD', [v1], withoutQuantity, false, "FORWARD: version 1 cannot read data written with the new schema: reader field 'OrderPlaced.quantity' has no default"],
    ['FORWARD', [v1], withTierNoDefault, true, ''],
    ['FULL', [v1], withTierDefault, true, ''],
    ['FULL', [v1], withTierNoDefault, false, 'OrderPlaced.loyaltyTier'],
    ['FULL', [v1], quantityLong, false, "at 'OrderPlaced.quantity' the reader type int cannot read the writer type long (TYPE_MISMATCH)"],
    ['NONE', [v1], record('Unrelated', [{ name: 'x', type: 'boolean' }]), true, ''],
    // non-transitive levels compare with the latest version only
    ['BACKWARD', [v1, withTierDefault], record('OrderPlaced', [orderId, { name: 'loyaltyTier', type: 'string' }]), true, ''],
    ['BACKWARD_TRANSITIVE', [v1, withTierDefault], record('OrderPlaced', [orderId, { name: 'loyaltyTier', type: 'string' }]), false, 'version 1'],
    ['FORWARD_TRANSITIVE', [withTierNoDefault, withTierDefault], withoutQuantity, false, 'OrderPlaced.quantity'],
    ['FULL_TRANSITIVE', [v1, withTierDefault], record('OrderPlaced', [orderId, { name: 'quantity', type: 'int' }, { name: 'loyaltyTier', type: 'string' }]), false, 'version 1'],
  ];

  it.each(cases)('%s, case %#', async (level, history, candidate, accepted, mentions) => {
    const subject = await subjectWith(level, ...history);
    const reply = await r.register(subject, candidate);
    if (accepted) {
      expect(reply.status).toBe(200);
      return;
    }
    expect(reply.status).toBe(409);
    expect(reply.body.error_code).toBe(409);
    expect(reply.body.message).toContain(`incompatible with an earlier schema for subject "${subject}"`);
    expect(reply.body.message).toContain(mentions);
    expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toHaveLength(history.length);
  });

  it('accepts any first version, whatever the level', async () => {
    const subject = await subjectWith('FULL_TRANSITIVE');
    expect((await r.register(subject, v1)).status).toBe(200);
  });

  it('uses the global level when the subject has none', async () => {
    const subject = 'compat-global-value';
    await r.register(subject, v1);
    await r.call('PUT', '/config', { compatibility: 'FORWARD' });
    try {
      expect((await r.register(subject, withoutQuantity)).status).toBe(409);
      expect((await r.register(subject, withTierNoDefault)).status).toBe(200);
    } finally {
      await r.call('DELETE', '/config');
    }
  });

  it('ignores soft-deleted versions', async () => {
    const subject = await subjectWith('BACKWARD', quantityLong);
    expect((await r.register(subject, v1)).status).toBe(409);
    expect((await r.call('DELETE', `/subjects/${subject}/versions/1`)).body).toBe(1);
    expect((await r.register(subject, v1)).status).toBe(200);
    expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toEqual([2]);
  });

  it('reports every incompatibility of a schema, each naming its field', async () => {
    const subject = await subjectWith(
      'BACKWARD',
      record('OrderPlaced', [orderId, { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } }, { name: 'quantity', type: 'long' }]),
    );
    const reply = await r.register(
      subject,
      record('OrderPlaced', [orderId, { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } }, { name: 'quantity', type: 'int' }, { name: 'loyaltyTier', type: 'string' }]),
    );
    expect(reply.status).toBe(409);
    expect(reply.body.message).toContain("at 'OrderPlaced.status' the reader enum 'retail.orders.Status' lacks the writer's symbols [SHIPPED] and declares no default symbol (MISSING_ENUM_SYMBOLS)");
    expect(reply.body.message).toContain("at 'OrderPlaced.quantity' the reader type int cannot read the writer type long (TYPE_MISMATCH)");
    expect(reply.body.message).toContain("reader field 'OrderPlaced.loyaltyTier' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)");
  });

  describe('/compatibility', () => {
    let subject: string;

    beforeAll(async () => {
      subject = await subjectWith('BACKWARD_TRANSITIVE', v1, withTierDefault);
    });

    it('says compatible, with empty messages when verbose', async () => {
      const reply = await r.call('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, { schema: JSON.stringify(withTierDefault) });
      expect(reply).toMatchObject({ status: 200, body: { is_compatible: true, messages: [] } });
      const terse = await r.call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: JSON.stringify(withTierDefault) });
      expect(terse.body).toEqual({ is_compatible: true });
    });

    it('says incompatible with messages naming the field and rule', async () => {
      const reply = await r.call('POST', `/compatibility/subjects/${subject}/versions/1?verbose=true`, { schema: JSON.stringify(withTierNoDefault) });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        is_compatible: false,
        messages: [
          "BACKWARD: the new schema cannot read data written with version 1: reader field 'OrderPlaced.loyaltyTier' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)",
        ],
      });
    });

    it('checks against every version the level requires when no version is given', async () => {
      const candidate = record('OrderPlaced', [orderId, { name: 'loyaltyTier', type: 'string' }]);
      const latestOnly = await r.call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: JSON.stringify(candidate) });
      expect(latestOnly.body.is_compatible).toBe(true);
      const all = await r.call('POST', `/compatibility/subjects/${subject}/versions?verbose=true`, { schema: JSON.stringify(candidate) });
      expect(all.body.is_compatible).toBe(false);
      expect(all.body.messages).toEqual([expect.stringContaining('version 1')]);
    });

    it('accepts anything for a subject without versions', async () => {
      const reply = await r.call('POST', '/compatibility/subjects/brand-new/versions', { schema: JSON.stringify(v1) });
      expect(reply.body).toEqual({ is_compatible: true });
    });

    it.each([
      ['/compatibility/subjects/nobody/versions/latest', { schema: JSON.stringify(v1) }, 404, 40401],
      ['/compatibility/subjects/SUBJECT/versions/9', { schema: JSON.stringify(v1) }, 404, 40402],
      ['/compatibility/subjects/SUBJECT/versions/zero', { schema: JSON.stringify(v1) }, 422, 42202],
      ['/compatibility/subjects/SUBJECT/versions/latest', { schema: '{"type":"nope"}' }, 422, 42201],
    ])('POST %s → %i / %i', async (path, body, status, errorCode) => {
      const reply = await r.call('POST', path.replace('SUBJECT', subject), body);
      expect(reply).toMatchObject({ status, body: { error_code: errorCode } });
    });
  });

  describe('empty unions: accepted and judged as Java Avro does', () => {
    // `[]` has no values: nothing is ever written with it, and a reader of it reads nothing.
    const withNever = record('OrderPlaced', [orderId, { name: 'quantity', type: 'int' }, { name: 'never', type: [] }]);
    const neverOnly = record('OrderPlaced', [{ name: 'never', type: [] }]);

    it('registers a schema with an empty union, finds it by lookup and by id, and keeps its text', async () => {
      const subject = await subjectWith('NONE');
      const registered = await r.register(subject, withNever);
      expect(registered.status).toBe(200);
      const again = await r.register(subject, JSON.parse(JSON.stringify(withNever)));
      expect(again.body.id).toBe(registered.body.id);
      const lookup = await r.call('POST', `/subjects/${subject}`, { schema: JSON.stringify(withNever) });
      expect(lookup).toMatchObject({ status: 200, body: { subject, version: 1, id: registered.body.id } });
      const byId = await r.call('GET', `/schemas/ids/${registered.body.id}`);
      expect(JSON.parse(byId.body.schema).fields[2]).toEqual({ name: 'never', type: [] });
      const bare = await r.register(subject, []);
      expect(bare.status).toBe(200);
      expect(JSON.parse((await r.call('GET', `/schemas/ids/${bare.body.id}`)).body.schema)).toEqual([]);
    });

    type UnionCase = [name: string, level: string, history: unknown[], candidate: unknown, accepted: boolean, mentions: string];
    const unionCases: UnionCase[] = [
      // BACKWARD: the new schema reads the old data
      ['a reader field of an empty union cannot read old data that lacks it', 'BACKWARD', [v1], withNever, false, "reader field 'OrderPlaced.never' has no default"],
      ['an empty-union field dropped: nothing to read', 'BACKWARD', [withNever], v1, true, ''],
      ['an empty writer union is read by any reader', 'BACKWARD', [[]], 'int', true, ''],
      ['a reader empty union reads no writer with values', 'BACKWARD', ['int'], [], false, 'MISSING_UNION_BRANCH'],
      ['a reader empty union reads an empty writer union', 'BACKWARD', [[]], [], true, ''],
      ['a field of a non-empty type read as an empty union', 'BACKWARD', [record('OrderPlaced', [{ name: 'never', type: 'int' }])], neverOnly, false, "at 'OrderPlaced.never' no branch of the reader union [] can read the writer type int (MISSING_UNION_BRANCH)"],
      ['an empty-union field read as any type (no data has it)', 'BACKWARD', [neverOnly], record('OrderPlaced', [{ name: 'never', type: ['null', 'string'] }]), true, ''],
      // FORWARD: the old schema reads the new data
      ['old readers of [] cannot read new data with values', 'FORWARD', [[]], ['int'], false, 'MISSING_UNION_BRANCH'],
      ['FULL from [] to int fails the forward half only', 'FULL', [[]], 'int', false, "FORWARD: version 1 cannot read data written with the new schema: at 'union' no branch of the reader union [] can read the writer type int"],
    ];

    it.each(unionCases)('%s (%s)', async (_name, level, history, candidate, accepted, mentions) => {
      const subject = await subjectWith(level, ...history);
      const verdict = await r.call('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, { schema: JSON.stringify(candidate) });
      expect(verdict.status).toBe(200);
      expect(verdict.body.is_compatible).toBe(accepted);
      const reply = await r.register(subject, candidate);
      if (accepted) {
        expect(reply.status).toBe(200);
        return;
      }
      expect(reply.status).toBe(409);
      expect(reply.body.message).toContain(mentions);
      expect(verdict.body.messages.join('\n')).toContain(mentions);
    });
  });
});
