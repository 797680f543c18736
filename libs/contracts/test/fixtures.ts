import { SchemaSource, formatLock, loadRepository, releaseSchemas } from '../src/tooling';

/** A one-topic catalogue: parcels keyed by parcel id, consumed by inventory and webhooks. */
export function catalogueText(compatibility = 'BACKWARD', eventExtras = ''): string {
  return `
defaults: { partitions: 3, retentionMs: 1000, cleanupPolicy: delete, minInsyncReplicas: 1, compatibility: ${compatibility} }
topics:
  - topic: retail.parcels
    key: parcel id
    keyField: parcelId
    owner: order
    consumers: [inventory, webhooks]
    events:
      - type: com.omnibus.shipment.ParcelWeighed
${eventExtras}
serviceTopics:
  services: [order, inventory, webhooks]
  retry: { partitions: 1, retentionMs: 1000 }
  deadLetter: { partitions: 1, retentionMs: 1000 }
`;
}

export const TIMESTAMP = { type: 'long', logicalType: 'timestamp-millis' };

export function parcelWeighed(extraFields: object[] = [], kindSymbols = ['SMALL', 'LARGE', 'OTHER']): object {
  return {
    type: 'record',
    name: 'ParcelWeighed',
    namespace: 'com.omnibus.shipment',
    doc: 'A parcel was weighed.',
    fields: [
      { name: 'parcelId', type: 'string', doc: 'Parcel id.' },
      { name: 'weight', type: 'com.omnibus.common.Quantity', doc: 'Weight in kg.' },
      {
        name: 'size',
        type: { type: 'enum', name: 'ParcelSize', doc: 'Size class.', symbols: kindSymbols, default: 'OTHER' },
        doc: 'Size class of the parcel.',
      },
      ...extraFields,
      { name: 'occurredAt', type: TIMESTAMP, doc: 'When it was weighed.' },
    ],
  };
}

export const QUANTITY = {
  type: 'record',
  name: 'Quantity',
  namespace: 'com.omnibus.common',
  doc: 'A quantity, scale 3.',
  fields: [{ name: 'milli', type: 'long', doc: 'Thousandths.' }],
};

/** A schema source whose lock holds `released` as successive versions of ParcelWeighed. */
export function sourceWith(current: object, released: object[] = [], catalogue = catalogueText()): SchemaSource {
  const files = (event: object) => [
    { path: 'common/Quantity.avsc', text: JSON.stringify(QUANTITY) },
    { path: 'shipment/ParcelWeighed.avsc', text: JSON.stringify(event) },
  ];
  let lockText: string | undefined;
  for (const version of released) {
    const { lock } = releaseSchemas(loadRepository({ catalogueText: catalogue, files: files(version), lockText }));
    if (!lock) throw new Error('fixture release failed');
    lockText = formatLock(lock);
  }
  return { catalogueText: catalogue, files: files(current), lockText };
}
