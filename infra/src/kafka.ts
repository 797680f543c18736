import { spawn } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { platformKafkaConfig } from './kafka-security';
import { isLocalHost } from './net';
import { omnibusHome, repoRoot } from './paths';

export const KAFKA_SCRIPT = path.join(repoRoot, 'infra', 'kafka', 'kafka.sh');

export interface KafkaSettings {
  brokers: string[];
  /** Port of the local broker kafka.sh runs (the port of a single loopback bootstrap address). */
  port: number;
  home: string;
}

/** KAFKA_BROKERS (default 127.0.0.1:KAFKA_PORT, KAFKA_PORT default 9092). */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const brokers = (env.KAFKA_BROKERS ?? `127.0.0.1:${env.KAFKA_PORT ?? 9092}`).split(',').map((b) => b.trim()).filter(Boolean);
  const [, port] = brokers[0].split(':');
  return { brokers, port: Number(port || 9092), home: omnibusHome(env) };
}

/** The local broker is ours to start only when the bootstrap list is a single loopback address. */
export function isLocalBroker(settings: KafkaSettings): boolean {
  return settings.brokers.length === 1 && isLocalHost(settings.brokers[0].split(':')[0]);
}

/** True when a client can fetch cluster metadata: the broker really serves, not just listens. */
export async function isKafkaReachable(brokers: string[], timeoutMs = 3000): Promise<boolean> {
  const admin = new Kafka({
    ...platformKafkaConfig('admin', { brokers }),
    clientId: 'omnibus-probe',
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs infra/kafka/kafka.sh; `onLine` sees its progress lines as they come. */
export function runKafkaScript(
  command: 'start' | 'stop' | 'status' | 'resolve',
  settings: KafkaSettings,
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command], {
      env: { ...(options.env ?? process.env), KAFKA_PORT: String(settings.port), OMNIBUS_HOME: settings.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      for (const line of chunk.toString().split('\n').filter(Boolean)) options.onLine?.(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${KAFKA_SCRIPT}: ${error.message} (is bash installed?)`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The script's own one-line reason (e.g. "no Java found. Install a JDK 17…"), without its prefix. */
export function kafkaFailureReason(result: ScriptResult): string {
  const lines = `${result.stderr}`.split('\n').filter((line) => line.startsWith('kafka: '));
  const last = lines.pop() ?? result.stderr.split('\n').filter(Boolean).pop() ?? `exit code ${result.code}`;
  return last.replace(/^kafka: /, '');
}

export async function startKafka(settings: KafkaSettings, options: { onLine?: (line: string) => void } = {}): Promise<void> {
  const result = await runKafkaScript('start', settings, options);
  if (result.code !== 0) throw new Error(`Kafka did not start: ${kafkaFailureReason(result)}`);
}

export async function stopKafka(settings: KafkaSettings): Promise<void> {
  const result = await runKafkaScript('stop', settings);
  if (result.code !== 0) throw new Error(`Kafka did not stop: ${kafkaFailureReason(result)}`);
}

/** Whether the broker that kafka.sh runs for this OMNIBUS_HOME is alive (not other brokers). */
export async function kafkaScriptStatus(settings: KafkaSettings): Promise<{ running: boolean; pid?: number }> {
  const result = await runKafkaScript('status', settings);
  const pid = /pid (\d+)/.exec(result.stdout)?.[1];
  return { running: result.code === 0, pid: pid ? Number(pid) : undefined };
}

export interface KafkaReady {
  brokers: string[];
  source: 'existing' | 'local';
  /** True when this call started the local broker (so the caller owns stopping it). */
  startedNow: boolean;
}

/**
 * Makes sure a broker answers at KAFKA_BROKERS: an existing one (any cluster) is used as is;
 * otherwise, for a loopback address, kafka.sh starts the local broker on that port.
 */
export async function ensureKafka(
  settings: KafkaSettings,
  options: { onLine?: (line: string) => void; beforeStart?: () => void } = {},
): Promise<KafkaReady> {
  if (await isKafkaReachable(settings.brokers)) return { brokers: settings.brokers, source: 'existing', startedNow: false };
  if (!isLocalBroker(settings)) {
    throw new Error(`Kafka at ${settings.brokers.join(',')} is not reachable (check KAFKA_BROKERS)`);
  }
  // Recorded before starting, so an interrupted start is still stopped by whoever owns the record.
  options.beforeStart?.();
  await startKafka(settings, options);
  return { brokers: settings.brokers, source: 'local', startedNow: true };
}
