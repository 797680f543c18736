import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPortFree, kafkaScriptStatus, KafkaSettings, omnibusHome, runKafkaScript, stopKafka } from '@omnibus/infra';

/**
 * A broker of the test's own (own ports, own state directory), for tests that pause or break Kafka:
 * the shared broker on 9092 is never touched. The jars come from this checkout's cache.
 */
export interface PrivateKafka {
  brokers: string[];
  /** SIGSTOP: the broker keeps its sockets open but answers nothing (a hung broker). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  stop(): Promise<void>;
}

export async function startPrivateKafka(): Promise<PrivateKafka> {
  const checkout: KafkaSettings = { brokers: [], port: 9092, home: omnibusHome() };
  const resolved = await runKafkaScript('resolve', checkout);
  if (resolved.code !== 0) throw new Error(`cannot resolve the Kafka jars: ${resolved.stderr}`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-outbox-kafka-'));
  const state = path.join(checkout.home, 'kafka');
  fs.mkdirSync(path.join(home, 'kafka'), { recursive: true });
  for (const name of fs.readdirSync(state).filter((n) => n.startsWith('libs-'))) {
    fs.symlinkSync(path.join(state, name), path.join(home, 'kafka', name));
  }
  let port = 33_092 + Math.floor(Math.random() * 400) * 2;
  while (!(await isPortFree(port)) || !(await isPortFree(port + 1))) port += 2;
  const settings: KafkaSettings = { brokers: [`127.0.0.1:${port}`], port, home };
  const env: NodeJS.ProcessEnv = { ...process.env, OMNIBUS_HOME: home, KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_HEAP: '256m' };
  delete env.KAFKA_SECURITY;
  const started = await runKafkaScript('start', settings, { env });
  if (started.code !== 0) {
    fs.rmSync(home, { recursive: true, force: true });
    throw new Error(`the test's Kafka did not start: ${started.stderr}`);
  }
  const { pid } = await kafkaScriptStatus(settings);
  if (!pid) throw new Error('the test Kafka runs but has no pid');
  // kafka.sh starts the broker with setsid: signal its whole process group.
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      process.kill(pid, name);
    }
  };
  return {
    brokers: settings.brokers,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async stop() {
      signal('SIGCONT');
      await stopKafka(settings).catch(() => undefined);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
