// Serde benchmark: encode+decode round trips of a typical 10-line OrderPlaced through our Avro serde
// (Confluent wire format, schema id cached), side by side with JSON.stringify/JSON.parse of the same
// object, in one process. Run: node -r @swc-node/register bench/serde/roundtrip.ts [--seconds 1] [--rounds 5]
import os from 'node:os';
import { OrderPlaced, sampleOrderPlaced } from '@omnibus/contracts';
import { AvroSerde, InMemorySchemaRegistry, SchemaRegistryClient, registerProducedSchemas } from '@omnibus/messaging/serde';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SECONDS = argument('seconds', 1);
const ROUNDS = argument('rounds', 5);
const BATCH = 1_000;

interface Rate {
  /** Round trips per wall-clock second. */
  wall: number;
  /** Round trips per second of CPU time used by this process (less sensitive to other load on the machine). */
  cpu: number;
}

async function measure(run: () => unknown | Promise<unknown>): Promise<Rate> {
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let count = 0;
  const deadline = wallStart + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < BATCH; i++) await run();
    count += BATCH;
  }
  const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { wall: count / wallSeconds, cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const format = (value: number) => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  const memory = new InMemorySchemaRegistry();
  const registry = new SchemaRegistryClient({ url: 'http://in-memory.registry', fetch: memory.fetch });
  const serde = new AvroSerde({ registry, readers: [OrderPlaced] });
  await registerProducedSchemas(registry, 'order', { contracts: [OrderPlaced], serde });
  // The same serde kept on avsc's generic writers/readers, to show what the compiled codec adds.
  const avscSerde = new AvroSerde({ registry, readers: [OrderPlaced], compiledCodecs: false });
  await avscSerde.prepare([OrderPlaced]);

  const order = sampleOrderPlaced(10);
  const framed = await serde.encode(OrderPlaced, order);
  const decoded = await serde.decode(framed);
  if (JSON.stringify(decoded.value) !== JSON.stringify(order)) throw new Error('the serde does not round-trip the sample order');
  const json = JSON.stringify(order);
  const callsBefore = registry.requestCount;

  const variants: Record<string, () => unknown | Promise<unknown>> = {
    'avro serde (encode+decode, framed)': async () => serde.decode(await serde.encode(OrderPlaced, order)),
    'JSON.stringify + JSON.parse': () => JSON.parse(JSON.stringify(order)),
    'avro serde, avsc only (no codec)': async () => avscSerde.decode(await avscSerde.encode(OrderPlaced, order)),
  };
  // Warm up every variant (JIT) before measuring, then interleave rounds so drifts in machine load hit both.
  for (const run of Object.values(variants)) for (let i = 0; i < 20_000; i++) await run();
  const results: Record<string, Rate[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) results[name].push(await measure(run));
  }
  const registryCalls = registry.requestCount - callsBefore;

  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model.trim()} x ${cpus.length} cores, node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`load average at the end: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  console.log(`payload: OrderPlaced with ${order.lines.length} lines; Avro ${framed.length} bytes framed, JSON ${Buffer.byteLength(json)} bytes`);
  console.log(`${ROUNDS} interleaved rounds of ${SECONDS}s per variant, one thread; medians:`);
  const avro = results['avro serde (encode+decode, framed)'];
  const plain = results['JSON.stringify + JSON.parse'];
  for (const [name, rates] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(38)} ${format(median(rates.map((r) => r.wall))).padStart(9)} round trips/s wall  ${format(median(rates.map((r) => r.cpu))).padStart(9)} per CPU-second`,
    );
  }
  const ratio = (pick: (rate: Rate) => number) => median(avro.map(pick)) / median(plain.map(pick));
  console.log(`  avro/JSON: ${ratio((r) => r.wall).toFixed(2)}x wall, ${ratio((r) => r.cpu).toFixed(2)}x CPU`);
  console.log(`registry calls during the measurement: ${registryCalls}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
