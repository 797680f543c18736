import pino from 'pino';

/** The slice of a pino logger the outbox uses (nestjs-pino's PinoLogger and pino itself both fit). */
export interface OutboxLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export function defaultLogger(): OutboxLogger {
  return pino({ name: 'outbox-relay', level: process.env.LOG_LEVEL ?? 'info' });
}
