import pino, { Logger, LoggerOptions } from 'pino';
import { traceLogFields } from './tracing';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LoggerSettings {
  /** Service name, written on every line as `service`. */
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read lines back. */
  destination?: pino.DestinationStream;
}

/**
 * A JSON-lines logger: ISO time, level as a word, the service name, and the trace / span ids of
 * the active OpenTelemetry span, so a log line can be found from a trace and the other way round.
 * Authorization headers and secrets never reach the output.
 */
export function createLogger({ service, level = 'info', destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => traceLogFields(),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };

/** kafkajs log levels (NOTHING=0, ERROR=1, WARN=2, INFO=4, DEBUG=5) mapped to pino methods. */
const kafkaLevels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = { 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' };

/**
 * A kafkajs `logCreator` that writes the client's own log lines through `logger`,
 * so broker connection trouble shows up in the service's JSON logs with its name.
 */
export function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: { namespace: string; level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...fields } = log;
      delete fields.timestamp; // pino stamps its own time
      delete fields.logger;
      logger[kafkaLevels[level] ?? 'info']({ kafka: namespace, ...fields }, message);
    };
}
