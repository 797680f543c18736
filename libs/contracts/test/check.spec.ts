import { checkSchemas, formatCheckReport, loadRepository, releaseSchemas } from '../src/tooling';
import { TIMESTAMP, catalogueText, parcelWeighed, sourceWith } from './fixtures';

const errorsOf = (report: ReturnType<typeof checkSchemas>) => report.findings.filter((finding) => finding.severity === 'error');

describe('omnibus schemas check: compatibility with released versions', () => {
  it('fails a new field without a default under BACKWARD, naming the field, the rule and the consumers', () => {
    const v1 = parcelWeighed();
    const v2 = parcelWeighed([{ name: 'carrierCode', type: 'string', doc: 'Carrier that will take it.' }]);
    const report = checkSchemas(loadRepository(sourceWith(v2, [v1])));

    expect(report.ok).toBe(false);
    const [breakage] = errorsOf(report);
    expect(breakage.subject).toBe('retail.parcels-com.omnibus.shipment.ParcelWeighed');
    expect(breakage.message).toContain("'ParcelWeighed.carrierCode'");
    expect(breakage.message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(breakage.message).toContain('released v1');
    expect(breakage.affects).toEqual(['inventory', 'webhooks']);
    expect(formatCheckReport(report)).toMatch(/FAILED: 1 error.*\n?/);
    expect(formatCheckReport(report)).toContain('Breaks: inventory, webhooks');
  });

  it('passes the same field with a default, and release records it as v2', () => {
    const v1 = parcelWeighed();
    const v2 = parcelWeighed([{ name: 'carrierCode', type: ['null', 'string'], default: null, doc: 'Carrier that will take it.' }]);
    const repository = loadRepository(sourceWith(v2, [v1]));
    const report = checkSchemas(repository);
    expect(report.ok).toBe(true);
    expect(report.subjects).toEqual([expect.objectContaining({ state: 'changed', compatible: true, releasedVersion: 1 })]);

    const { lock, released } = releaseSchemas(repository);
    expect(released).toEqual([{ subject: 'retail.parcels-com.omnibus.shipment.ParcelWeighed', version: 2 }]);
    expect(lock!.subjects['retail.parcels-com.omnibus.shipment.ParcelWeighed'].versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('under FULL_TRANSITIVE, removing a field that has no default breaks old consumers', () => {
    const catalogue = catalogueText('FULL_TRANSITIVE');
    const v1 = parcelWeighed([{ name: 'label', type: 'string', doc: 'Label text.' }]);
    const report = checkSchemas(loadRepository(sourceWith(parcelWeighed(), [v1], catalogue)));
    expect(report.ok).toBe(false);
    expect(errorsOf(report)[0].message).toMatch(/FORWARD.*'ParcelWeighed.label'.*consumers still on v1/);
  });

  it('judges every released version under a transitive level, only the latest otherwise', () => {
    const v1 = parcelWeighed();
    const v2 = parcelWeighed([{ name: 'label', type: 'string', doc: 'Label text.', default: '' }]);
    // v3 drops label's default: v3 cannot read v1 (no label there), but reads v2.
    const v3 = parcelWeighed([{ name: 'label', type: 'string', doc: 'Label text.' }]);
    expect(checkSchemas(loadRepository(sourceWith(v3, [v1, v2], catalogueText('BACKWARD')))).ok).toBe(true);
    const transitive = checkSchemas(loadRepository(sourceWith(v3, [v1, v2], catalogueText('BACKWARD_TRANSITIVE'))));
    expect(transitive.ok).toBe(false);
    expect(errorsOf(transitive)).toHaveLength(1);
    expect(errorsOf(transitive)[0].message).toContain('released v1');
  });

  it('lets an enum gain or lose symbols under FULL, because readers fall back to the enum default', () => {
    const catalogue = catalogueText('FULL');
    const v1 = parcelWeighed();
    expect(checkSchemas(loadRepository(sourceWith(parcelWeighed([], ['SMALL', 'MEDIUM', 'LARGE', 'OTHER']), [v1], catalogue))).ok).toBe(true);
    expect(checkSchemas(loadRepository(sourceWith(parcelWeighed([], ['SMALL', 'OTHER']), [v1], catalogue))).ok).toBe(true);
  });

  it('fails a changed field type in both directions under FULL, naming the field', () => {
    const catalogue = catalogueText('FULL');
    const v1 = parcelWeighed([{ name: 'label', type: 'string', doc: 'Label text.', default: '' }]);
    const v2 = parcelWeighed([{ name: 'label', type: 'long', doc: 'Label number.', default: 0 }]);
    const messages = errorsOf(checkSchemas(loadRepository(sourceWith(v2, [v1], catalogue)))).map((finding) => finding.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/\(BACKWARD against released v1\).*'ParcelWeighed.label'.*TYPE_MISMATCH/);
    expect(messages[1]).toMatch(/\(FORWARD against released v1\).*'ParcelWeighed.label'.*TYPE_MISMATCH/);
  });

  it('reports an unchanged subject as unchanged and a never-released one as new', () => {
    const v1 = parcelWeighed();
    expect(checkSchemas(loadRepository(sourceWith(v1, [v1]))).subjects[0].state).toBe('unchanged');
    expect(checkSchemas(loadRepository(sourceWith(v1))).subjects[0].state).toBe('new');
  });

  it('refuses to release while check fails', () => {
    const v2 = parcelWeighed([{ name: 'carrierCode', type: 'string', doc: 'Carrier.' }]);
    const { lock, report } = releaseSchemas(loadRepository(sourceWith(v2, [parcelWeighed()])));
    expect(lock).toBeUndefined();
    expect(report.ok).toBe(false);
  });
});

describe('omnibus schemas check: deprecation and removal', () => {
  it('reports a deprecated field with the consumers that still read it, without failing', () => {
    const v2 = parcelWeighed([
      { name: 'label', type: ['null', 'string'], default: null, doc: 'Label text.', deprecated: 'use labelUrl; removed after 2025-06' },
    ]);
    const report = checkSchemas(loadRepository(sourceWith(v2, [parcelWeighed()])));
    expect(report.ok).toBe(true);
    const deprecation = report.findings.find((finding) => finding.severity === 'warning');
    expect(deprecation?.message).toBe(
      'field ParcelWeighed.label is deprecated: use labelUrl; removed after 2025-06. Consumers to migrate: inventory, webhooks',
    );
  });

  it('reports a deprecated event type from the catalogue', () => {
    const catalogue = catalogueText('BACKWARD', '        deprecated: "superseded by ParcelMeasured"');
    const report = checkSchemas(loadRepository(sourceWith(parcelWeighed(), [parcelWeighed()], catalogue)));
    expect(report.ok).toBe(true);
    expect(report.findings.map((finding) => finding.message)).toContain(
      'event type com.omnibus.shipment.ParcelWeighed is deprecated: superseded by ParcelMeasured. Still consumed by: inventory, webhooks',
    );
  });

  it('fails when a released event type disappears without being deprecated first', () => {
    const released = sourceWith(parcelWeighed(), [parcelWeighed()]);
    const withoutEvent = released.catalogueText.replace('      - type: com.omnibus.shipment.ParcelWeighed\n', '');
    const report = checkSchemas(loadRepository({ ...released, catalogueText: withoutEvent }));
    expect(report.ok).toBe(false);
    expect(errorsOf(report).map((finding) => finding.message).join('\n')).toMatch(/released subject is gone from the catalogue/);
  });
});

describe('omnibus schemas check: house rules', () => {
  const ruleBreaking = (fields: object[]) => checkSchemas(loadRepository(sourceWith(parcelWeighed(fields))));

  it.each<[string, object, RegExp]>([
    ['a field without doc', { name: 'label', type: 'string', default: '' }, /label: every field needs a doc/],
    ['a float', { name: 'volume', type: 'double', doc: 'Volume.', default: 0 }, /double is not allowed/],
    // the registry accepts `[]` (Java Avro does), but no Omnibus producer or consumer (avsc) could use it
    ['an empty union', { name: 'never', type: [], doc: 'Never.' }, /empty union/],
    ['a non-optional union', { name: 'mixed', type: ['string', 'long'], doc: 'Mixed.', default: '' }, /only union allowed/],
    ['an optional field without default null', { name: 'opt', type: ['null', 'string'], doc: 'Opt.' }, /needs "default": null/],
    [
      'an enum without a default symbol',
      { name: 'tier', type: { type: 'enum', name: 'Tier', doc: 'Tier.', symbols: ['A', 'B'] }, doc: 'Tier.', default: 'A' },
      /needs a "default" symbol/,
    ],
    ['a timestamp that is not timestamp-millis', { name: 'weighedAt', type: 'long', doc: 'When.', default: 0 }, /timestamp-millis/],
  ])('rejects %s', (_label, field, message) => {
    const report = ruleBreaking([field]);
    expect(report.ok).toBe(false);
    expect(errorsOf(report).map((finding) => finding.message).join('\n')).toMatch(message);
  });

  it('requires the key field and occurredAt on every event', () => {
    const event = parcelWeighed() as { fields: { name: string }[] };
    event.fields = event.fields.filter((field) => field.name !== 'parcelId' && field.name !== 'occurredAt');
    const messages = errorsOf(checkSchemas(loadRepository(sourceWith(event)))).map((finding) => finding.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/occurredAt: every event has a non-null occurredAt/),
        expect.stringMatching(/has no field 'parcelId', the key of topic retail.parcels/),
      ]),
    );
  });

  it('names an undefined type and a schema file in the wrong place', () => {
    const source = sourceWith(parcelWeighed([{ name: 'box', type: 'com.omnibus.common.Box', doc: 'Box.' }]));
    source.files.push({ path: 'shipment/Misplaced.avsc', text: JSON.stringify({ ...parcelWeighed(), name: 'Other' }) });
    const messages = errorsOf(checkSchemas(loadRepository(source))).map((finding) => `${finding.file}: ${finding.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ParcelWeighed.avsc: undefined type com.omnibus.common.Box/),
        expect.stringMatching(/Misplaced.avsc: the type in Misplaced.avsc must be named Misplaced/),
      ]),
    );
  });

  it('checks the catalogue: known services, consumers subscribed to the topic', () => {
    const catalogue = catalogueText('BACKWARD', '        consumers: [inventory, finance-posting]');
    const messages = errorsOf(checkSchemas(loadRepository(sourceWith(parcelWeighed(), [], catalogue)))).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown service 'finance-posting'/),
        expect.stringMatching(/consumer 'finance-posting' is not subscribed to the topic/),
      ]),
    );
  });

  it('accepts a well-formed event', () => {
    const report = ruleBreaking([{ name: 'labelPrintedAt', type: ['null', TIMESTAMP], default: null, doc: 'When printed.' }]);
    expect(errorsOf(report)).toEqual([]);
  });
});
