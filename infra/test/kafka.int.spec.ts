import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isPortFree } from '../src/net';
import { omnibusHome } from '../src/paths';
import {
  ensureKafka,
  isKafkaReachable,
  kafkaScriptStatus,
  kafkaSettingsFromEnv,
  KafkaSettings,
  runKafkaScript,
  startKafka,
  stopKafka,
} from '../src/kafka';

jest.setTimeout(120_000);

describe('Kafka settings', () => {
  it('derive the local port from KAFKA_BROKERS or KAFKA_PORT', () => {
    expect(kafkaSettingsFromEnv({ OMNIBUS_HOME: '/x' })).toEqual({ brokers: ['127.0.0.1:9092'], port: 9092, home: '/x' });
    expect(kafkaSettingsFromEnv({ KAFKA_PORT: '19092', OMNIBUS_HOME: '/x' }).brokers).toEqual(['127.0.0.1:19092']);
    expect(kafkaSettingsFromEnv({ KAFKA_BROKERS: 'localhost:29092', OMNIBUS_HOME: '/x' }).port).toBe(29092);
  });
});

/** A directory for PATH with the shell tools kafka.sh needs, but no java and no mvn. */
function shellToolsOnly(): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-path-'));
  for (const tool of ['bash', 'dirname', 'sed', 'cat', 'cut', 'mkdir', 'rm', 'touch', 'tail', 'seq', 'sleep']) {
    const found = ['/usr/bin', '/bin'].map((dir) => path.join(dir, tool)).find((file) => fs.existsSync(file));
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

describe('starting Kafka without its prerequisites', () => {
  it('says in one line what to install, or to use Docker', async () => {
    const bin = shellToolsOnly();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-kafka-'));
    const settings: KafkaSettings = { brokers: ['127.0.0.1:1'], port: 1, home };
    const originalPath = process.env.PATH;
    process.env.PATH = bin;
    try {
      await expect(startKafka(settings)).rejects.toThrow(
        /^Kafka did not start: no Java found\. Install a JDK 17 or newer .* or use Docker: docker compose up$/,
      );
    } finally {
      process.env.PATH = originalPath;
      fs.rmSync(bin, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('says in one line to install Maven (or use Docker) when only Maven is missing', async () => {
    const bin = shellToolsOnly();
    // A JDK 17 as far as kafka.sh can tell.
    fs.writeFileSync(path.join(bin, 'java'), '#!/bin/bash\necho "    java.specification.version = 17" >&2\n', { mode: 0o755 });
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-kafka-'));
    const originalPath = process.env.PATH;
    process.env.PATH = bin;
    try {
      await expect(startKafka({ brokers: ['127.0.0.1:1'], port: 1, home })).rejects.toThrow(
        /^Kafka did not start: no Maven found\. Install Maven .* or use Docker: docker compose up$/,
      );
    } finally {
      process.env.PATH = originalPath;
      fs.rmSync(bin, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses, in one line, to start on a port another process holds', async () => {
    const squatter = net.createServer();
    await new Promise((resolve) => squatter.listen(0, '127.0.0.1', () => resolve(null)));
    const port = (squatter.address() as net.AddressInfo).port;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-kafka-'));
    try {
      await expect(startKafka({ brokers: [`127.0.0.1:${port}`], port, home })).rejects.toThrow(
        `Kafka did not start: port ${port} is in use by another process (choose others with KAFKA_PORT / KAFKA_CONTROLLER_PORT)`,
      );
    } finally {
      squatter.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses to start a broker for a remote address that does not answer', async () => {
    await expect(ensureKafka({ brokers: ['192.0.2.1:9092'], port: 9092, home: os.tmpdir() })).rejects.toThrow(
      /Kafka at 192.0.2.1:9092 is not reachable \(check KAFKA_BROKERS\)/,
    );
  });
});

describe('a second local broker on other ports', () => {
  let settings: KafkaSettings;

  beforeAll(async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-kafka-'));
    // The jars come from this checkout's cache (resolved once, as `up` would); the test is about start/stop.
    const checkout = { brokers: [], port: 9092, home: omnibusHome() };
    expect(await runKafkaScript('resolve', checkout)).toMatchObject({ code: 0 });
    const state = path.join(checkout.home, 'kafka');
    const jars = fs.readdirSync(state).filter((name) => name.startsWith('libs-'));
    fs.mkdirSync(path.join(home, 'kafka'), { recursive: true });
    for (const name of jars) fs.symlinkSync(path.join(state, name), path.join(home, 'kafka', name));
    let port = 29_092 + Math.floor(Math.random() * 400) * 2;
    while (!(await isPortFree(port)) || !(await isPortFree(port + 1))) port += 2;
    settings = { brokers: [`127.0.0.1:${port}`], port, home };
    process.env.KAFKA_HEAP = '256m';
  });

  afterAll(async () => {
    await stopKafka(settings);
    delete process.env.KAFKA_HEAP;
    fs.rmSync(settings.home, { recursive: true, force: true });
  });

  it('starts once, is reused, and stops leaving the shared broker running', async () => {
    const lines: string[] = [];
    const first = await ensureKafka(settings, { onLine: (line) => lines.push(line) });
    expect(first).toEqual({ brokers: settings.brokers, source: 'local', startedNow: true });
    expect(lines.join('\n')).toMatch(/ready on 127.0.0.1:\d+/);
    expect(await kafkaScriptStatus(settings)).toMatchObject({ running: true });

    expect(await ensureKafka(settings)).toMatchObject({ startedNow: false, source: 'existing' });

    await stopKafka(settings);
    expect(await kafkaScriptStatus(settings)).toEqual({ running: false, pid: undefined });
    expect(await isKafkaReachable(settings.brokers, 1000)).toBe(false);
    expect(await isKafkaReachable(kafkaSettingsFromEnv().brokers)).toBe(true);
  });
});
