import { record, RegistryUnderTest, startRegistry } from './registry-harness';

const v1 = record('ReturnRequested', [{ name: 'returnId', type: 'string' }]);
const v2 = record('ReturnRequested', [
  { name: 'returnId', type: 'string' },
  { name: 'reason', type: ['null', 'string'], default: null },
]);
const v3 = record('ReturnRequested', [
  { name: 'returnId', type: 'string' },
  { name: 'reason', type: ['null', 'string'], default: null },
  { name: 'channel', type: 'string', default: 'store' },
]);

describe('soft and hard deletes', () => {
  let r: RegistryUnderTest;
  let subjectCount = 0;
  const ids: Record<string, number> = {};

  const subjectWith = async (...versions: object[]) => {
    const subject = `retail.returns-${++subjectCount}-value`;
    for (const version of versions) {
      const reply = await r.register(subject, version);
      expect(reply.status).toBe(200);
      ids[JSON.stringify(version)] = reply.body.id;
    }
    return subject;
  };
  const idOf = (schema: object) => ids[JSON.stringify(schema)];

  beforeAll(async () => {
    r = await startRegistry('registry_deletes');
  });

  afterAll(async () => {
    await r.stop();
  });

  describe('a version', () => {
    it('soft-deleted disappears from listings and lookups but its id still resolves', async () => {
      const subject = await subjectWith(v1, v2);
      expect((await r.call('DELETE', `/subjects/${subject}/versions/2`)).body).toBe(2);
      expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
      expect((await r.call('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
      expect((await r.call('GET', `/subjects/${subject}/versions?deletedOnly=true`)).body).toEqual([2]);
      expect(await r.call('GET', `/subjects/${subject}/versions/2`)).toMatchObject({ status: 404, body: { error_code: 40402 } });
      expect((await r.call('GET', `/subjects/${subject}/versions/2?deleted=true`)).body).toMatchObject({ version: 2, id: idOf(v2) });
      expect((await r.call('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 1 });
      expect(await r.call('POST', `/subjects/${subject}`, { schema: JSON.stringify(v2) })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect((await r.call('POST', `/subjects/${subject}?deleted=true`, { schema: JSON.stringify(v2) })).body).toMatchObject({ version: 2 });
      expect((await r.call('GET', `/schemas/ids/${idOf(v2)}`)).status).toBe(200);
      expect((await r.call('GET', `/schemas/ids/${idOf(v2)}/versions`)).body).toEqual([]);
      expect((await r.call('GET', `/schemas/ids/${idOf(v2)}/versions?deleted=true`)).body).toEqual([{ subject, version: 2 }]);
    });

    it('soft-deleted twice answers 40406; hard-deleted before soft 40407', async () => {
      const subject = await subjectWith(v1, v2);
      expect(await r.call('DELETE', `/subjects/${subject}/versions/1?permanent=true`)).toMatchObject({ status: 404, body: { error_code: 40407 } });
      await r.call('DELETE', `/subjects/${subject}/versions/1`);
      expect(await r.call('DELETE', `/subjects/${subject}/versions/1`)).toMatchObject({ status: 404, body: { error_code: 40406 } });
    });

    it('hard-deleted after a soft delete is gone, even with ?deleted=true', async () => {
      const subject = await subjectWith(v1, v2);
      await r.call('DELETE', `/subjects/${subject}/versions/1`);
      expect((await r.call('DELETE', `/subjects/${subject}/versions/1?permanent=true`)).body).toBe(1);
      expect(await r.call('GET', `/subjects/${subject}/versions/1?deleted=true`)).toMatchObject({ status: 404, body: { error_code: 40402 } });
      expect((await r.call('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([2]);
    });

    it('`latest` means the latest live version for a soft delete, the latest soft-deleted one for a hard delete', async () => {
      const subject = await subjectWith(v1, v2, v3);
      expect((await r.call('DELETE', `/subjects/${subject}/versions/latest`)).body).toBe(3);
      expect((await r.call('DELETE', `/subjects/${subject}/versions/-1`)).body).toBe(2);
      expect((await r.call('DELETE', `/subjects/${subject}/versions/latest?permanent=true`)).body).toBe(3);
      expect((await r.call('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    });

    it.each([
      ['/subjects/nobody/versions/1', 404, 40401],
      ['/subjects/SUBJECT/versions/9', 404, 40402],
      ['/subjects/SUBJECT/versions/0', 422, 42202],
    ])('DELETE %s → %i / %i', async (path, status, errorCode) => {
      const subject = await subjectWith(v1);
      expect(await r.call('DELETE', path.replace('SUBJECT', subject))).toMatchObject({ status, body: { error_code: errorCode } });
    });
  });

  describe('a subject', () => {
    it('soft-deleted lists its versions, leaves the subject list, and answers 40404 when deleted again', async () => {
      const subject = await subjectWith(v1, v2);
      expect((await r.call('DELETE', `/subjects/${subject}`)).body).toEqual([1, 2]);
      expect((await r.call('GET', '/subjects')).body).not.toContain(subject);
      expect((await r.call('GET', '/subjects?deleted=true')).body).toContain(subject);
      expect((await r.call('GET', '/subjects?deletedOnly=true')).body).toContain(subject);
      expect(await r.call('GET', `/subjects/${subject}/versions`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
      expect(await r.call('GET', `/subjects/${subject}/versions/latest`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
      expect(await r.call('DELETE', `/subjects/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40404 } });
    });

    it('must be soft-deleted before a hard delete (40405), which removes it and its settings', async () => {
      const subject = await subjectWith(v1, v2);
      await r.call('PUT', `/config/${subject}`, { compatibility: 'FULL' });
      expect(await r.call('DELETE', `/subjects/${subject}?permanent=true`)).toMatchObject({ status: 404, body: { error_code: 40405 } });
      await r.call('DELETE', `/subjects/${subject}`);
      expect((await r.call('DELETE', `/subjects/${subject}?permanent=true`)).body).toEqual([1, 2]);
      expect((await r.call('GET', '/subjects?deleted=true')).body).not.toContain(subject);
      expect(await r.call('GET', `/subjects/${subject}/versions?deleted=true`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
      expect(await r.call('GET', `/config/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40408 } });
      expect(await r.call('DELETE', `/subjects/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
    });
  });

  describe('global ids survive deletes', () => {
    it('a soft-deleted schema registered again gets its old id, as a new version', async () => {
      const subject = await subjectWith(v1, v2);
      await r.call('DELETE', `/subjects/${subject}/versions/2`);
      expect((await r.register(subject, v2)).body).toEqual({ id: idOf(v2) });
      expect((await r.call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 3]);
    });

    it('a hard-deleted id stops resolving, and the schema registered again gets the same id back', async () => {
      const unique = record('RefundIssued', [{ name: 'refundId', type: 'string' }]);
      const subject = await subjectWith(unique);
      const id = idOf(unique);
      expect((await r.call('GET', `/schemas/ids/${id}`)).status).toBe(200); // now cached
      await r.call('DELETE', `/subjects/${subject}`);
      await r.call('DELETE', `/subjects/${subject}?permanent=true`);
      expect(await r.call('GET', `/schemas/ids/${id}`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect((await r.register(subject, unique)).body).toEqual({ id });
      expect((await r.call('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 1, id });
    });

    it('never hands a used id to another schema', async () => {
      const subject = await subjectWith(record('A1', []));
      const firstId = (await r.call('GET', `/subjects/${subject}/versions/1`)).body.id;
      await r.call('DELETE', `/subjects/${subject}`);
      await r.call('DELETE', `/subjects/${subject}?permanent=true`);
      const next = await r.register(subject, record('A2', []));
      expect(next.body.id).toBeGreaterThan(firstId);
    });
  });

  it('refuses to delete a subject whose versions other schemas reference (42206)', async () => {
    const money = { type: 'record', name: 'Money', namespace: 'retail.common', fields: [{ name: 'amountMinor', type: 'long' }] };
    const moneySubject = await subjectWith(money);
    const refund = record('RefundIssued', [{ name: 'amount', type: 'retail.common.Money' }]);
    const reply = await r.register('retail.returns-refund-value', refund, {
      references: [{ name: 'retail.common.Money', subject: moneySubject, version: 1 }],
    });
    expect(reply.status).toBe(200);
    expect(await r.call('DELETE', `/subjects/${moneySubject}`)).toMatchObject({ status: 422, body: { error_code: 42206 } });
    // once the referrer is gone for good, the referenced subject may go too
    await r.call('DELETE', '/subjects/retail.returns-refund-value');
    expect((await r.call('DELETE', `/subjects/${moneySubject}`)).status).toBe(200);
    expect(await r.call('DELETE', `/subjects/${moneySubject}?permanent=true`)).toMatchObject({ status: 422, body: { error_code: 42206 } });
    await r.call('DELETE', '/subjects/retail.returns-refund-value?permanent=true');
    expect((await r.call('DELETE', `/subjects/${moneySubject}?permanent=true`)).body).toEqual([1]);
  });
});
