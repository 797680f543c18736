import { Admin, Kafka, logLevel } from 'kafkajs';
import type { Logger } from '@omnibus/observability';
import { kafkaClientConfig, KafkaClientEnvironment } from '../kafka-client';
import { DependencyProbe } from './dependency-probe';

/**
 * Kafka is reachable when a broker answers a metadata request. One admin client is kept and
 * reused (cheap), with short timeouts and no retries (bounded); after a failure it is dropped and
 * a fresh connection is tried on the next probe, so the service reports ready again once the
 * broker is back. `target` is a broker list, or the service's settings when it has a Kafka identity.
 */
export function kafkaProbe(target: string[] | KafkaClientEnvironment, logger?: Logger, timeoutMs = 1_500): DependencyProbe {
  const settings = Array.isArray(target) ? { KAFKA_BROKERS: target } : target;
  const kafka = new Kafka({
    ...kafkaClientConfig(settings),
    clientId: 'omnibus-readiness',
    connectionTimeout: Math.min(1_000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin | undefined;
  const drop = async () => {
    const stale = admin;
    admin = undefined;
    await stale?.disconnect().catch(() => undefined);
  };
  const ping = async () => {
    try {
      if (!admin) {
        admin = kafka.admin({ retry: { retries: 0 } });
        await admin.connect();
      }
      await admin.describeCluster();
    } catch (error) {
      await drop();
      throw error;
    }
  };
  return new DependencyProbe('kafka', ping, { timeoutMs, logger, onClose: drop });
}
