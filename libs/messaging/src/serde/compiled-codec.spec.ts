import { Type } from 'avsc';
import { EventContract, OrderPlaced, eventContracts, sampleOrderPlaced } from '@omnibus/contracts';
import { CorruptBodyError, InvalidValueError, compileCodec } from './compiled-codec';

const contracts = Object.values(eventContracts) as EventContract<any>[];

/** A deterministic pseudo-random sequence, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('compiled Avro codec', () => {
  it.each(contracts.map((contract) => [contract.name, contract] as const))(
    '%s: writes the same bytes as avsc and reads them back the same, on random values',
    (_name, contract) => {
      const codec = compileCodec(contract.schema);
      expect(codec).toBeDefined();
      for (let i = 0; i < 50; i++) {
        const value = contract.avroType.random();
        const expected = contract.avroType.toBuffer(value);
        const bytes = codec!.encode(value, 0);
        expect(bytes.equals(expected)).toBe(true);
        expect(codec!.decode(expected, 0)).toEqual(contract.avroType.fromBuffer(expected));
      }
    },
  );

  it('agrees with avsc on boundary numbers, non-ASCII and long strings, empty and large arrays', () => {
    const codec = compileCodec(OrderPlaced.schema)!;
    const order = sampleOrderPlaced(40);
    const amounts = [0, -1, 63, 64, -65, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 2 ** 31, 2 ** 40 + 3, 2 ** 53 - 2, -(2 ** 52)];
    order.lines.forEach((line, index) => (line.unitPrice.amountMinor = amounts[index % amounts.length]));
    order.lines[1].name = 'x'.repeat(63);
    order.lines[2].name = 'y'.repeat(64);
    order.lines[3].name = 'Größe 42 – schwarz 🏃‍♀️ '.repeat(20);
    order.lines[4].sku = 'ÄÖÜ';
    order.fulfilment.allowedLocationTypes = [];
    order.placedAt = new Date(-86_400_000);
    const expected = OrderPlaced.avroType.toBuffer(order);
    expect(codec.encode(order, 0).equals(expected)).toBe(true);
    expect(codec.decode(expected, 0)).toEqual(order);
    expect(codec.decode(expected, 0)).toEqual(OrderPlaced.avroType.fromBuffer(expected));
  });

  it('leaves room for the Confluent header before the body', () => {
    const codec = compileCodec(OrderPlaced.schema)!;
    const order = sampleOrderPlaced(2);
    const framed = codec.encode(order, 5);
    expect(framed.subarray(5).equals(OrderPlaced.avroType.toBuffer(order))).toBe(true);
    expect(codec.decode(framed, 5)).toEqual(order);
  });

  it('refuses values that do not fit the schema', () => {
    const codec = compileCodec(OrderPlaced.schema)!;
    const bad: Array<(order: any) => void> = [
      (order) => (order.orderId = 42),
      (order) => (order.lines[0].quantity.milli = 1.5),
      (order) => (order.lines[0].quantity.milli = 2 ** 53 - 1),
      (order) => (order.channel.kind = 'TELEPATHY'),
      (order) => (order.placedAt = '2025-01-01'),
      (order) => (order.placedAt = new Date(Number.NaN)),
      (order) => (order.lines = {}),
      (order) => (order.customer = null),
      (order) => delete order.totals,
    ];
    for (const spoil of bad) {
      const order = sampleOrderPlaced(2);
      spoil(order);
      expect(() => codec.encode(order, 0)).toThrow(InvalidValueError);
      expect(OrderPlaced.avroType.isValid(order)).toBe(false);
    }
  });

  it('reports every truncation as a corrupt body, never another error', () => {
    const codec = compileCodec(OrderPlaced.schema)!;
    const bytes = OrderPlaced.avroType.toBuffer(sampleOrderPlaced(3));
    for (let length = 0; length < bytes.length; length++) {
      expect(() => codec.decode(bytes.subarray(0, length), 0)).toThrow(CorruptBodyError);
    }
    expect(() => codec.decode(Buffer.concat([bytes, Buffer.from([0])]), 0)).toThrow(/1 trailing bytes/);
  });

  it('either reads or rejects as corrupt any flipped byte, and never loops on a huge array count', () => {
    const codec = compileCodec(OrderPlaced.schema)!;
    const bytes = OrderPlaced.avroType.toBuffer(sampleOrderPlaced(10));
    const next = random(7);
    for (let i = 0; i < 3_000; i++) {
      const spoilt = Buffer.from(bytes);
      spoilt[Math.floor(next() * spoilt.length)] = Math.floor(next() * 256);
      try {
        codec.decode(spoilt, 0);
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptBodyError);
      }
    }
    // A block count of 2^40 in a 6-byte body must fail at once, not loop.
    const hugeCount = Type.forSchema('long').toBuffer(2 ** 40);
    const arrays = compileCodec({ type: 'record', name: 'R', fields: [{ name: 'a', type: { type: 'array', items: 'long' } }] })!;
    expect(() => arrays.decode(hugeCount, 0)).toThrow(/block count/);
  });

  it('declines schemas outside its subset (the serde then uses avsc)', () => {
    const record = (type: unknown) => ({ type: 'record', name: 'R', fields: [{ name: 'a', type }] });
    expect(compileCodec(record(['string', 'long']))).toBeUndefined();
    expect(compileCodec(record('double'))).toBeUndefined();
    expect(compileCodec(record({ type: 'fixed', name: 'F', size: 4 }))).toBeUndefined();
    expect(compileCodec(record({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 }))).toBeUndefined();
    expect(compileCodec(record({ type: 'map', values: ['null', 'long'] }))).toBeDefined();
  });
});
